package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xacct/xacct/emulator/internal/trail"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/policy"
)

// bigWorld is an emulator with 1,000 roles (500 in each of two accounts:
// each target-account role trusts one home-account role, one in four with
// an ExternalId, and each home role may assume any target-account role)
// and a full decision trail of 10,000 records, a tenth of them denials.
func bigWorld(b *testing.B) *emulatortest.Server {
	b.Helper()
	srv := emulatortest.New(b)
	ctx := context.Background()
	hi, ti := iam.NewFromConfig(srv.Config(home)), iam.NewFromConfig(srv.Config(target))
	const n = 500
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				name := fmt.Sprintf("caller-%03d", i)
				if _, err := hi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
					AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
					errs <- err
					return
				}
				if _, err := hi.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("assume"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/*"}]}`)}); err != nil {
					errs <- err
					return
				}
				cond := ""
				if i%4 == 0 {
					cond = `,"Condition":{"StringEquals":{"sts:ExternalId":"ext-` + fmt.Sprint(i) + `"}}`
				}
				if _, err := ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("target-%03d", i)),
					AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/` + name + `"},"Action":"sts:AssumeRole"` + cond + `}]}`)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	tr := srv.Emulator.Trail()
	now := time.Now()
	for i := 0; i < trail.DefaultCapacity; i++ {
		r := trail.Record{Time: now, RequestID: fmt.Sprint(i), Service: "sts", Principal: fmt.Sprintf("arn:aws:sts::111111111111:assumed-role/caller-%03d/s", i%n),
			Role: fmt.Sprintf("arn:aws:iam::111111111111:role/caller-%03d", i%n), CallerAccount: home, ResourceAccount: target,
			Action: "sts:AssumeRole", Resource: fmt.Sprintf("arn:aws:iam::222222222222:role/target-%03d", i%n), Decision: "allowed", Function: "copy"}
		d := policy.Decision{Effect: policy.Allow}
		if i%10 == 0 {
			r.Decision, d.Effect = "implicitDeny", policy.ImplicitDeny
			r.Diagnosis = "step 2 (trust policy): the trust policy of " + r.Resource + " does not allow sts:AssumeRole for " + r.Role
		}
		tr.Add(r, d)
	}
	return srv
}

// BenchmarkPages renders each console page on a world of 1,000 roles and
// 10,000 decisions, in-process (the handler, no network).
//
//	go test -run '^$' -bench Pages -benchtime 10x ./emulator/console/
func BenchmarkPages(b *testing.B) {
	srv := bigWorld(b)
	for _, p := range []struct{ name, path, want string }{
		{"index", "/_xacct/", "222222222222"},
		{"account-500-roles", "/_xacct/accounts/222222222222", "target-499"},
		{"graph", "/_xacct/graph", `data-to="arn:aws:iam::222222222222:role/target-499"`},
		{"graph.svg", "/_xacct/graph.svg", "target-499"},
		{"trail", "/_xacct/trail", "sts:AssumeRole"},
		{"trail-denied-one-principal", "/_xacct/trail?decision=denied&principal=arn:aws:iam::111111111111:role/caller-010", "step 2"},
		{"simulate", "/_xacct/simulate?principal=arn:aws:iam::111111111111:role/caller-001&action=sts:AssumeRole&resource=arn:aws:iam::222222222222:role/target-001", "allowed"},
	} {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			size := 0
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.Emulator.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), p.want) {
					b.Fatalf("%s: %d, lacks %q", p.path, w.Code, p.want)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}
