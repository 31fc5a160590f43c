package emulatortest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulatortest"
)

// BenchmarkAssumeRoleOverHTTP measures one AssumeRole from an
// aws-sdk-go-v2 client to an in-process emulator over loopback HTTP: the
// per-request cost the trail and CloudTrail add shows in its CPU profile.
func BenchmarkAssumeRoleOverHTTP(b *testing.B) {
	srv := emulatortest.New(b)
	ctx := context.Background()
	admin := srv.AdminConfig(b, "111111111111")
	_, err := iam.NewFromConfig(admin).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("bench-target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`),
	})
	if err != nil {
		b.Fatal(err)
	}
	client := sts.NewFromConfig(admin)
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/bench-target"), RoleSessionName: aws.String("bench")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeAssumeRole measures the emulator's own cost for one signed
// AssumeRole by an IAM user (no client, no network): verify, resolve the
// caller, decide on the trust policy, issue the session, record the
// decision and the CloudTrail event, encode.
func BenchmarkServeAssumeRole(b *testing.B) {
	srv := emulatortest.New(b)
	ctx := context.Background()
	admin := srv.AdminConfig(b, "111111111111")
	_, err := iam.NewFromConfig(admin).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("bench-target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`),
	})
	if err != nil {
		b.Fatal(err)
	}
	creds, err := admin.Credentials.Retrieve(ctx)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fbench-target&RoleSessionName=bench")
	sum := sha256.Sum256(body)
	r0 := httptest.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	r0.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := v4.NewSigner().SignHTTP(ctx, creds, r0, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := r0.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		srv.Emulator.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("got %d %s", w.Code, w.Body)
		}
	}
}
