// Package auth is the emulator's authentication and authorization: Keys
// resolves access key ids to the callers they authenticate (account root,
// IAM users, STS sessions), Authenticator verifies a request's SigV4
// signature against them, and Authorizer decides a service's checks with
// the caller's current policies through the policy engine.
//
//	keys := &auth.Keys{Users: iamSvc, Sessions: stsSvc}
//	authn := auth.NewAuthenticator(keys, auth.AuthenticatorOptions{Flavor: flavorOf})
//	caller, region, err := authn.Authenticate(r, "sts")
//	authz := &auth.Authorizer{Policies: iamSvc, Recorder: trail}
//	d := authz.Decide(ctx, call, chk) // service.Authorizer
package auth
