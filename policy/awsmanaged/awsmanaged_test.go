package awsmanaged_test

import (
	"testing"

	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// TestCatalogue checks that every embedded policy loads, is named by its
// ARN and is a valid identity policy.
func TestCatalogue(t *testing.T) {
	all, err := awsmanaged.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("got an empty catalogue")
	}
	for _, p := range all {
		t.Run(p.Name, func(t *testing.T) {
			if got, ok := awsmanaged.Lookup(p.ARN); !ok || got.Name != p.Name {
				t.Errorf("Lookup(%s): got %q, %v; want %s", p.ARN, got.Name, ok, p.Name)
			}
			if p.VersionID == "" || p.CreateDate.IsZero() {
				t.Errorf("got version %q created %v, want both set", p.VersionID, p.CreateDate)
			}
			if _, err := policy.Parse(p.Document, policy.KindIdentity); err != nil {
				t.Errorf("document does not parse: %v", err)
			}
			got, ok := awsmanaged.Lookup(p.ARN)
			if !ok || got.Document != p.Document {
				t.Errorf("Lookup(%s) = %v, want the catalogue's policy", p.ARN, ok)
			}
		})
	}
}

// TestLookupByPath: a policy under a path is found by its full ARN, as
// AWS publishes it.
func TestLookupByPath(t *testing.T) {
	const arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	if p, ok := awsmanaged.Lookup(arn); !ok || p.ARN != arn || p.Path != "/service-role/" {
		t.Errorf("Lookup(%s): got %+v, %v", arn, p.ARN, ok)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:iam::aws:policy/NoSuchPolicy",
		"arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole", // lives under /service-role/
		"arn:aws:iam::111111111111:policy/AWSLambdaExecute",
	} {
		if _, ok := awsmanaged.Lookup(arn); ok {
			t.Errorf("Lookup(%s) found a policy, want none", arn)
		}
	}
}
