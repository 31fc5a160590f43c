package sns

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// FuzzPublish sends arbitrary Publish parameters (message, subject,
// structure, attributes) through the query protocol: SNS answers 200 or a
// 4xx error, never a 500 or a panic, and what it accepts reaches the
// outbox as a readable email.
func FuzzPublish(f *testing.F) {
	f.Add("hello", "subject", "", "k", "String", "v")
	f.Add(`{"default":"d","email":"e"}`, "", "json", "n", "Number", "1")
	f.Add(`{"default":1}`, "s\n", "json", "AWS.x", "Binary", "AAA=")
	f.Add("x", strings.Repeat("y", 101), "xml", "a..b", "String.Array", `["a"]`)
	e := newEnv(f, func(o *Options) { o.AutoConfirmEmail = true })
	ctx := context.Background()
	topic := "arn:aws:sns:us-east-1:111111111111:fuzz"
	call := &service.Call{RequestID: "r", Region: "us-east-1", Authz: e.authz,
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}}}
	ctx = service.WithCall(ctx, call)
	if _, err := e.svc.CreateTopic(ctx, &CreateTopicIn{Name: "fuzz"}); err != nil {
		f.Fatal(err)
	}
	if _, err := e.svc.Subscribe(ctx, &SubscribeIn{TopicArn: topic, Protocol: "email", Endpoint: "ops@example.com"}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg, subject, structure, attrName, attrType, attrValue string) {
		form := url.Values{"Action": {"Publish"}, "TopicArn": {topic}, "Message": {msg}, "Subject": {subject}, "MessageStructure": {structure},
			"MessageAttributes.entry.1.Name": {attrName}, "MessageAttributes.entry.1.Value.DataType": {attrType}}
		if strings.HasPrefix(attrType, "Binary") {
			form.Set("MessageAttributes.entry.1.Value.BinaryValue", attrValue)
		} else {
			form.Set("MessageAttributes.entry.1.Value.StringValue", attrValue)
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		c := *call
		e.svc.ServeAWS(rec, req.WithContext(service.WithCall(req.Context(), &c)), &c)
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusOK {
			if _, err := e.svc.ListOutbox(); err != nil {
				t.Fatalf("outbox unreadable after publishing %q: %v", msg, err)
			}
		}
	})
}

// FuzzReadOutboxMessage: any file in the outbox parses or fails cleanly.
func FuzzReadOutboxMessage(f *testing.F) {
	f.Add([]byte("From: a@b\r\nX-Amz-Sns-Message-Type: SubscriptionConfirmation\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nConfirm: http://x/?Action=ConfirmSubscription&Token=ab12\r\n"))
	f.Add([]byte("Subject: =?UTF-8?Q?=E2=9C=93?=\r\nDate: Tue, 26 Nov 2024 10:00:00 +0000\r\n\r\n{\"Type\":\"SubscriptionConfirmation\",\"Token\":\"x\"}"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.eml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadOutboxMessage(p)
		if err == nil && m.Path != p {
			t.Fatalf("got path %s", m.Path)
		}
	})
}
