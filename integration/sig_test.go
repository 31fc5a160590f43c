package integration

import (
	"strings"
	"testing"
)

// TestPresignedPutBoto3 uploads through URLs made by boto3's
// generate_presigned_url with a plain HTTP client (Amazon S3 User Guide,
// "Uploading objects with presigned URLs"), and checks that S3's rule
// "every x-amz-* header must be signed" refuses a header the URL does not
// sign (403 AccessDenied, HeadersNotSigned).
func TestPresignedPutBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/sig_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}
