// Package console is the emulator's web console, served by `xacct serve`
// at /_xacct/: the accounts with their roles, users, buckets, functions,
// stacks, alarms and the SNS email outbox; the trust graph (who may assume
// which role, decided by the policy engine on live state); the decision
// trail, live; and a "would this be allowed?" form.
//
// It is read-only and reads the emulator's state through the services' Go
// APIs (Options); it shows no secret key and no session token. Its pages
// are rendered on the server (html/template, the graph as SVG), with its
// stylesheet and a little JavaScript embedded; it needs no network.
//
//	c := console.New(console.Options{IAM: iamSvc, S3: s3Svc, ...})
//	http.Handle(console.Prefix, c)
//	defer c.Close() // ends the live trail's streams
package console
