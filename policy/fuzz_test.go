package policy

import (
	"fmt"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	allowAll,
	`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:role/r"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}}]}`,
	`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*","${*}"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"Null":{"aws:TokenIssueTime":"true"}}}}`,
	`{"Statement":{"Effect":"Allow","Principal":"*","Action":["s3:Get*"],"Resource":"arn:aws:s3:::b/*","Condition":{"NumericLessThanEquals":{"s3:max-keys":[1,2.5]},"BinaryEquals":{"k:b":"AAEC"},"Bool":{"aws:SecureTransport":false}}}}`,
}

// FuzzParse feeds arbitrary documents to Parse under every kind; whatever
// parses must also evaluate without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		done := make(chan struct{})
		timer := time.AfterFunc(5*time.Second, func() {
			select {
			case <-done:
			default:
				panic(fmt.Sprintf("Parse/Evaluate took over 5s on %q", doc))
			}
		})
		defer func() { close(done); timer.Stop() }()
		for _, k := range []Kind{KindIdentity, KindResource, KindTrust, KindSession, KindBoundary} {
			p, err := Parse(doc, k)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("got %T %v, want *Error", err, err)
				}
				continue
			}
			p.Statements()
			set := &Set{Identity: []Named{{Name: "p", Policy: p}}}
			if k == KindResource || k == KindTrust {
				set = &Set{Resource: &Named{Name: "p", Policy: p}}
			}
			req := &Request{Principal: execSession, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/x", ResourceAccount: "222222222222"}
			req.Context.Set("aws:TagKeys", "a", "b")
			req.Context.Set("aws:SourceIp", "10.1.2.3")
			d := Evaluate(req, set)
			d.Explain()
		}
	})
}

// FuzzEvaluate varies the request against fixed policies: action, resource,
// principal fields and context values.
func FuzzEvaluate(f *testing.F) {
	f.Add("s3:GetObject", "arn:aws:s3:::b/k", "arn:aws:iam::111111111111:role/r", "111111111111", "10.0.0.1", "2026-01-01T00:00:00Z", "5")
	f.Add("*", "*", "", "", "", "", "")
	f.Add("sts:AssumeRole", "arn:aws:iam::222222222222:role/x", "arn:aws:iam::1:role/x", "1", "::ffff:10.0.0.1", "1700000000", "1e309")
	var sets []*Set
	for _, s := range fuzzSeeds {
		for _, k := range []Kind{KindIdentity, KindResource, KindTrust} {
			p, err := Parse(s, k)
			if err != nil {
				continue
			}
			if k == KindIdentity {
				sets = append(sets, &Set{Identity: []Named{{Name: "p", Policy: p}}, Session: []Named{{Name: "p", Policy: p}}})
			} else {
				sets = append(sets, &Set{Identity: []Named{{Name: "a", Policy: mustParseF(allowAll)}}, Resource: &Named{Name: "p", Policy: p}})
			}
		}
	}
	f.Fuzz(func(t *testing.T, action, resource, roleARN, acct, ip, date, num string) {
		req := &Request{
			Principal:       Principal{Type: PrincipalAssumedRole, ARN: roleARN + "/s", RoleARN: roleARN, Account: acct, UniqueID: "AROAX:" + acct, Tags: map[string]string{"t": ip}},
			Action:          action,
			Resource:        resource,
			ResourceAccount: acct + "0",
		}
		req.Context.Set("aws:SourceIp", ip)
		req.Context.Set("aws:CurrentTime", date)
		req.Context.Set("s3:max-keys", num)
		req.Context.Set("sts:ExternalId", "x")
		for _, set := range sets {
			d := Evaluate(req, set)
			if d.Effect == Allow && len(d.Matched) == 0 {
				t.Fatalf("allowed without a matched statement")
			}
		}
	})
}

func mustParseF(s string) *Policy {
	p, err := Parse(s, KindIdentity)
	if err != nil {
		panic(err)
	}
	return p
}
