package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestS3BucketTemplateCLI: `aws cloudformation deploy` of a user template
// whose AWS::S3::Bucket carries VersioningConfiguration, Tags,
// LifecycleConfiguration, CorsConfiguration, BucketEncryption,
// PublicAccessBlockConfiguration and OwnershipControls succeeds, and
// s3api reads each back (CloudFormation User Guide, AWS::S3::Bucket).
func TestS3BucketTemplateCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	out := must(t, env, "aws", "cloudformation", "deploy", "--template-file", "testdata/s3_bucket_template.yaml",
		"--stack-name", "cli-bucket", "--parameter-overrides", "BucketName=cli-cfn-bucket")
	if !strings.Contains(out, "Successfully created/updated stack - cli-bucket") {
		t.Fatalf("deploy: %s", out)
	}
	get := func(op string, v any) {
		t.Helper()
		out := must(t, env, "aws", "s3api", op, "--bucket", "cli-cfn-bucket")
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("%s: %v: %s", op, err, out)
		}
	}
	var ver struct{ Status string }
	get("get-bucket-versioning", &ver)
	var tags struct{ TagSet []struct{ Key, Value string } }
	get("get-bucket-tagging", &tags)
	var lc struct {
		Rules []struct {
			ID         string
			Expiration struct{ Days int }
			Abort      struct{ DaysAfterInitiation int } `json:"AbortIncompleteMultipartUpload"`
		}
	}
	get("get-bucket-lifecycle-configuration", &lc)
	var cors struct {
		CORSRules []struct {
			AllowedOrigins []string
			MaxAgeSeconds  int
		}
	}
	get("get-bucket-cors", &cors)
	var enc struct {
		ServerSideEncryptionConfiguration struct {
			Rules []struct {
				ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm string }
				BucketKeyEnabled                   bool
			}
		}
	}
	get("get-bucket-encryption", &enc)
	var pab struct{ PublicAccessBlockConfiguration map[string]bool }
	get("get-public-access-block", &pab)
	var own struct {
		OwnershipControls struct {
			Rules []struct{ ObjectOwnership string }
		}
	}
	get("get-bucket-ownership-controls", &own)

	if ver.Status != "Enabled" {
		t.Errorf("versioning: %q, want Enabled", ver.Status)
	}
	if len(tags.TagSet) != 1 || tags.TagSet[0].Key != "team" || tags.TagSet[0].Value != "blue" {
		t.Errorf("tags: %+v, want team=blue", tags.TagSet)
	}
	if len(lc.Rules) != 2 || lc.Rules[0].ID != "expire-tmp" || lc.Rules[0].Expiration.Days != 7 || lc.Rules[1].Abort.DaysAfterInitiation != 3 {
		t.Errorf("lifecycle: %+v", lc.Rules)
	}
	if len(cors.CORSRules) != 1 || cors.CORSRules[0].MaxAgeSeconds != 300 || cors.CORSRules[0].AllowedOrigins[0] != "https://app.example.com" {
		t.Errorf("cors: %+v", cors.CORSRules)
	}
	if r := enc.ServerSideEncryptionConfiguration.Rules; len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" || !r[0].BucketKeyEnabled {
		t.Errorf("encryption: %+v", r)
	}
	if p := pab.PublicAccessBlockConfiguration; !p["BlockPublicAcls"] || p["RestrictPublicBuckets"] {
		t.Errorf("public access block: %v", p)
	}
	if r := own.OwnershipControls.Rules; len(r) != 1 || r[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("ownership controls: %+v", r)
	}
}

// TestS3BucketTemplateBoto3: the same template deployed with boto3's
// create_stack and its waiter (testdata/s3_bucket_template_boto3.py).
func TestS3BucketTemplateBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_bucket_template_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}
