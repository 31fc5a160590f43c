package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulatortest"
)

// viaService stands in for S3 (next to come): a signed request to it
// makes it call KMS on its caller's behalf through kms.Service's
// GenerateDataKeyVia and DecryptVia, as SSE-KMS does.
type viaService struct{ srv *emulatortest.Server }

type viaRequest struct {
	Op      string // "generate" or "decrypt"
	Key     string
	Blob    []byte
	Context map[string]string
}

type viaResponse struct {
	Plaintext, Blob []byte
	KeyARN          string
	Code, Explain   string
}

func (v viaService) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	call.Operation = "Via"
	var in viaRequest
	json.NewDecoder(r.Body).Decode(&in)
	var out viaResponse
	var err error
	switch in.Op {
	case "generate":
		k, gerr := v.srv.Emulator.KMS().GenerateDataKeyVia(r.Context(), "s3", in.Key, in.Context)
		if err = gerr; err == nil {
			out.Plaintext, out.Blob, out.KeyARN = k.Plaintext, k.Ciphertext, k.KeyARN
		}
	case "decrypt":
		out.Plaintext, out.KeyARN, err = v.srv.Emulator.KMS().DecryptVia(r.Context(), "s3", in.Blob, in.Context)
	}
	if err != nil {
		e := awserr.From(err)
		out.Code, out.Explain = e.Code, e.Header.Get(service.ExplainHeader)
	}
	json.NewEncoder(w).Encode(out)
}

func (viaService) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	w.WriteHeader(err.StatusCode)
	json.NewEncoder(w).Encode(viaResponse{Code: err.Code})
}

// callVia signs in for the via service with creds and returns its answer.
func callVia(t *testing.T, srv *emulatortest.Server, creds aws.Credentials, in viaRequest) viaResponse {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Target", "Via.Via")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "kmsvia", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out viaResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("via: %s: %v", b, err)
	}
	return out
}

func credsOf(t *testing.T, cfg aws.Config) aws.Credentials {
	t.Helper()
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKMSViaService: the AWS managed key aws/s3 is created on first use
// (DescribeKey of its alias), is usable only through S3 (kms:ViaService)
// and only by its own account; a customer managed key whose key policy
// requires kms:ViaService is usable through S3 and not directly (AWS KMS
// Developer Guide, "AWS managed keys", "kms:ViaService").
func TestKMSViaService(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	srv.Emulator.AddServiceForTest("kmsvia", viaService{srv})
	ctx := context.Background()
	root := kms.NewFromConfig(srv.Config(home))
	d, err := root.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil {
		t.Fatalf("DescribeKey alias/aws/s3: %v", err)
	}
	if d.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
		t.Errorf("aws/s3 KeyManager: got %s, want AWS", d.KeyMetadata.KeyManager)
	}
	managedARN := *d.KeyMetadata.Arn
	if again, _ := root.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")}); *again.KeyMetadata.Arn != managedARN {
		t.Errorf("a second DescribeKey created another key: %s", *again.KeyMetadata.Arn)
	}
	if _, err := root.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/aws/s3"), Plaintext: []byte("x")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("direct Encrypt with aws/s3: got %v, want AccessDeniedException", err)
	}
	admin := credsOf(t, srv.AdminConfig(t, home))
	gen := callVia(t, srv, admin, viaRequest{Op: "generate", Context: map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}})
	if gen.Code != "" || gen.KeyARN != managedARN || len(gen.Plaintext) != 32 {
		t.Fatalf("GenerateDataKeyVia with the default key: %+v", gen)
	}
	dec := callVia(t, srv, admin, viaRequest{Op: "decrypt", Blob: gen.Blob, Context: map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}})
	if dec.Code != "" || !bytes.Equal(dec.Plaintext, gen.Plaintext) {
		t.Fatalf("DecryptVia: %+v", dec)
	}

	// Another account, even with every KMS permission, cannot use aws/s3.
	outsider := credsOf(t, userWithPolicy(t, srv, target, "outsider", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`))
	out := callVia(t, srv, outsider, viaRequest{Op: "decrypt", Blob: gen.Blob, Context: map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}})
	if out.Code != "AccessDeniedException" || !strings.Contains(out.Explain, "is the AWS managed key alias/aws/s3 of account "+home) {
		t.Errorf("DecryptVia of aws/s3 from another account: %+v", out)
	}
	out = callVia(t, srv, outsider, viaRequest{Op: "generate", Key: managedARN})
	if out.Code != "AccessDeniedException" || !strings.Contains(out.Explain, "AWS managed keys cannot be shared") {
		t.Errorf("GenerateDataKeyVia with aws/s3 from another account: %+v", out)
	}

	// A customer managed key usable only through S3.
	viaOnly := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + home + `:root"},"Action":["kms:Describe*","kms:Get*","kms:Put*","kms:List*","kms:CreateAlias"],"Resource":"*"},
	 {"Sid":"ThroughS3","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + home + `:root"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*",
	  "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`
	k := createKey(t, root, viaOnly)
	if _, err := kms.NewFromConfig(srv.AdminConfig(t, home)).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(k), KeySpec: kmstypes.DataKeySpecAes256}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("direct GenerateDataKey with a via-S3-only key: got %v, want AccessDeniedException", err)
	}
	if out := callVia(t, srv, admin, viaRequest{Op: "generate", Key: k}); out.Code != "" {
		t.Errorf("GenerateDataKeyVia with a via-S3-only key: %+v", out)
	}
}
