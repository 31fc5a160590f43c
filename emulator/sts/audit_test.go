package sts

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAuditElements pins AssumeRole's requestParameters and
// responseElements as CloudTrail writes them (IAM User Guide, "Example AWS
// STS API events in CloudTrail log"): camelCase names, absent optional
// parameters left out, the expiration in CloudTrail's "Jan 2, 2006 3:04:05
// PM" form, and no secret key or session token.
func TestAuditElements(t *testing.T) {
	ext, dur, src := "ext-1", int32(900), "alice"
	in := &AssumeRoleIn{RoleArn: "arn:aws:iam::222222222222:role/r", RoleSessionName: "s", ExternalId: &ext,
		DurationSeconds: &dur, SourceIdentity: &src, Tags: []Tag{{Key: "team", Value: "a"}}, TransitiveTagKeys: []string{"team"}}
	got, err := json.Marshal(auditParameters(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"roleArn":"arn:aws:iam::222222222222:role/r","roleSessionName":"s","externalId":"ext-1","durationSeconds":900,` +
		`"sourceIdentity":"alice","tags":[{"key":"team","value":"a"}],"transitiveTagKeys":["team"]}`
	if string(got) != want {
		t.Errorf("requestParameters\n got %s\nwant %s", got, want)
	}
	got, _ = json.Marshal(auditParameters(&AssumeRoleIn{RoleArn: "arn:aws:iam::222222222222:role/r", RoleSessionName: "s"}))
	if want := `{"roleArn":"arn:aws:iam::222222222222:role/r","roleSessionName":"s"}`; string(got) != want {
		t.Errorf("requestParameters without options\n got %s\nwant %s", got, want)
	}

	out := &AssumeRoleOut{
		Credentials: Credentials{AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
			Expiration: time.Date(2026, 12, 6, 21, 4, 5, 0, time.FixedZone("x", 3600))},
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: "AROAEXAMPLE:s", Arn: "arn:aws:sts::222222222222:assumed-role/r/s"},
	}
	got, err = json.Marshal(auditResponse(out))
	if err != nil {
		t.Fatal(err)
	}
	want = `{"credentials":{"accessKeyId":"ASIAEXAMPLE","expiration":"Dec 6, 2026 8:04:05 PM"},` +
		`"assumedRoleUser":{"assumedRoleId":"AROAEXAMPLE:s","arn":"arn:aws:sts::222222222222:assumed-role/r/s"}}`
	if string(got) != want {
		t.Errorf("responseElements\n got %s\nwant %s", got, want)
	}
}
