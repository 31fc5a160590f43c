package sns

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func outbox(t *testing.T, e *env) []OutboxMessage {
	t.Helper()
	msgs, err := e.svc.ListOutbox()
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestEmailSubscription follows an email subscription through AWS's
// handshake (Amazon SNS Developer Guide, "Subscribing to an Amazon SNS
// topic"): Subscribe answers "pending confirmation", a confirmation email
// with the link arrives, following the link confirms, and notifications
// then arrive as RFC 5322 files with SNS's unsubscribe footer.
func TestEmailSubscription(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "alarms")
	sub, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if *sub.SubscriptionArn != "pending confirmation" {
		t.Errorf("Subscribe: got %q, want %q", *sub.SubscriptionArn, "pending confirmation")
	}
	list, _ := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if len(list.Subscriptions) != 1 || *list.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("got listing %+v, want one PendingConfirmation", list.Subscriptions)
	}
	// Nothing is delivered before confirmation.
	c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("too early")})
	msgs := outbox(t, e)
	if len(msgs) != 1 {
		t.Fatalf("got %d emails, want the confirmation only", len(msgs))
	}
	conf := msgs[0]
	if conf.Type != "SubscriptionConfirmation" || conf.Subject != "AWS Notification - Subscription Confirmation" ||
		conf.To != "<ops@example.com>" || conf.From != `"AWS Notifications" <no-reply@sns.amazonaws.com>` || conf.Token == "" || conf.TopicArn != arn {
		t.Fatalf("got confirmation %+v", conf)
	}
	// The link in the email confirms, unsigned, like a click would.
	i := strings.Index(conf.Body, e.srv.URL)
	if i < 0 {
		t.Fatalf("no confirmation link to %s in %q", e.srv.URL, conf.Body)
	}
	link := strings.Fields(conf.Body[i:])[0]
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ConfirmSubscriptionResult><SubscriptionArn>"+arn+":") {
		t.Fatalf("following the link: %d %s", resp.StatusCode, body)
	}
	if _, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Copy alarms")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(time.Minute))
	pub, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("The copy failed.\nSee the logs."), Subject: aws.String("Copy failed")})
	if err != nil {
		t.Fatal(err)
	}
	msgs = outbox(t, e)
	if len(msgs) != 2 {
		t.Fatalf("got %d emails, want 2", len(msgs))
	}
	n := msgs[1]
	if n.Type != "Notification" || n.Subject != "Copy failed" || n.MessageID != *pub.MessageId ||
		n.From != `"Copy alarms" <no-reply@sns.amazonaws.com>` || !n.Date.Equal(t0.Add(time.Minute)) {
		t.Errorf("got notification %+v", n)
	}
	if !strings.HasPrefix(n.Body, "The copy failed.\nSee the logs.\n\n--\nIf you wish to stop receiving notifications from this topic") ||
		!strings.Contains(n.Body, e.srv.URL+"/?Action=Unsubscribe&SubscriptionArn=") {
		t.Errorf("got body %q", n.Body)
	}
	raw, _ := os.ReadFile(n.Path)
	for _, h := range []string{"From: ", "To: ", "Subject: ", "Date: ", "Message-ID: <", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8"} {
		if !strings.Contains(string(raw), "\r\n"+h) && !strings.HasPrefix(string(raw), h) {
			t.Errorf("email lacks header %q:\n%s", h, raw)
		}
	}
	if filepath.Dir(n.Path) != e.svc.OutboxDir() || !strings.HasPrefix(filepath.Base(n.Path), "20241126T100100.000Z-000002-"+n.MessageID) {
		t.Errorf("got file %s", n.Path)
	}
}

// TestEmailJSONAndOutboxConfirm: email-json receives the JSON documents
// http endpoints get; ConfirmFromOutbox confirms from the file.
func TestEmailJSONAndOutboxConfirm(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "alarms")
	if _, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email-json"), Endpoint: aws.String("bot@example.com")}); err != nil {
		t.Fatal(err)
	}
	msgs := outbox(t, e)
	var conf envelope
	if err := json.Unmarshal([]byte(msgs[0].Body), &conf); err != nil || conf.Type != "SubscriptionConfirmation" || conf.Token != msgs[0].Token {
		t.Fatalf("confirmation: %v %+v", err, msgs[0])
	}
	subArn, err := e.svc.ConfirmFromOutbox(ctx, msgs[0].Path)
	if err != nil || !strings.HasPrefix(subArn, arn+":") {
		t.Fatalf("ConfirmFromOutbox: %q %v", subArn, err)
	}
	// MessageStructure=json: email-json gets its own entry.
	if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, MessageStructure: aws.String("json"),
		Message:           aws.String(`{"default":"plain","email-json":"for email-json"}`),
		MessageAttributes: map[string]types.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("high")}}}); err != nil {
		t.Fatal(err)
	}
	msgs = outbox(t, e)
	var n envelope
	if err := json.Unmarshal([]byte(msgs[1].Body), &n); err != nil {
		t.Fatal(err)
	}
	if n.Type != "Notification" || n.Message != "for email-json" || n.MessageAttributes["severity"] != (attributeJSON{Type: "String", Value: "high"}) || n.Signature == "" {
		t.Errorf("got %+v", n)
	}
}

func TestAutoConfirmEmail(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AutoConfirmEmail = true })
	c := e.client("111111111111")
	arn := createTopic(t, c, "alarms")
	sub, err := c.Subscribe(context.Background(), &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil || !strings.HasPrefix(*sub.SubscriptionArn, arn+":") {
		t.Fatalf("got %v %v, want a confirmed subscription", sub, err)
	}
	if msgs := outbox(t, e); len(msgs) != 0 {
		t.Errorf("got %d emails, want no confirmation request", len(msgs))
	}
}

// endpoint is an HTTP subscriber recording what SNS posts.
type endpoint struct {
	mu       sync.Mutex
	received []posted
	fail     int // answer 500 to this many requests first
}

type posted struct {
	Header http.Header
	Body   []byte
}

func (p *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.received = append(p.received, posted{Header: r.Header.Clone(), Body: b})
	if p.fail > 0 {
		p.fail--
		w.WriteHeader(500)
	}
}

func (p *endpoint) all() []posted {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]posted(nil), p.received...)
}

// verify checks an envelope's signature against the certificate at its
// SigningCertURL, as subscribers do (Amazon SNS Developer Guide,
// "Verifying the signatures of Amazon SNS messages").
func verify(t *testing.T, e *envelope) {
	t.Helper()
	resp, err := http.Get(e.SigningCertURL)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatalf("SigningCertURL %s: no PEM (%d)", e.SigningCertURL, resp.StatusCode)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString(e.Signature)
	var h crypto.Hash
	var sum []byte
	if e.SignatureVersion == "2" {
		s := sha256.Sum256([]byte(e.stringToSign()))
		h, sum = crypto.SHA256, s[:]
	} else {
		s := sha1.Sum([]byte(e.stringToSign()))
		h, sum = crypto.SHA1, s[:]
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), h, sum, sig); err != nil {
		t.Errorf("signature of %s message does not verify: %v", e.Type, err)
	}
}

// TestHTTPSubscription: SNS posts a signed SubscriptionConfirmation with
// the x-amz-sns-* headers, the endpoint visits SubscribeURL, then
// notifications arrive signed with the topic's SignatureVersion, retried
// after failures.
func TestHTTPSubscription(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	ep := &endpoint{}
	srv := httptest.NewServer(ep)
	defer srv.Close()
	arn := createTopic(t, c, "hooks")
	if _, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(srv.URL + "/hook")}); err != nil {
		t.Fatal(err)
	}
	e.svc.Drain()
	got := ep.all()
	if len(got) != 1 {
		t.Fatalf("got %d posts, want the confirmation", len(got))
	}
	for k, want := range map[string]string{"x-amz-sns-message-type": "SubscriptionConfirmation", "x-amz-sns-topic-arn": arn,
		"Content-Type": "text/plain; charset=UTF-8", "User-Agent": "Amazon Simple Notification Service Agent"} {
		if v := got[0].Header.Get(k); v != want {
			t.Errorf("header %s: got %q, want %q", k, v, want)
		}
	}
	var conf envelope
	if err := json.Unmarshal(got[0].Body, &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Type != "SubscriptionConfirmation" || got[0].Header.Get("x-amz-sns-message-id") != conf.MessageId {
		t.Errorf("got %+v", conf)
	}
	verify(t, &conf)
	resp, err := http.Get(conf.SubscribeURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SubscribeURL: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, version := range []string{"1", "2"} {
		c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String(version)})
		ep.mu.Lock()
		ep.received, ep.fail = nil, 2
		ep.mu.Unlock()
		if _, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("hello"), Subject: aws.String("greeting")}); err != nil {
			t.Fatal(err)
		}
		e.svc.Drain()
		got = ep.all()
		if len(got) != 3 {
			t.Fatalf("version %s: got %d attempts, want 2 failures and a success", version, len(got))
		}
		var n envelope
		json.Unmarshal(got[2].Body, &n)
		if n.Type != "Notification" || n.Message != "hello" || n.Subject != "greeting" || n.SignatureVersion != version ||
			got[2].Header.Get("x-amz-sns-subscription-arn") == "" || !strings.Contains(n.UnsubscribeURL, "Action=Unsubscribe") {
			t.Errorf("version %s: got %+v", version, n)
		}
		verify(t, &n)
	}
	// Raw delivery posts the message itself.
	list, _ := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	c.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: list.Subscriptions[0].SubscriptionArn,
		AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")})
	ep.mu.Lock()
	ep.received = nil
	ep.mu.Unlock()
	c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("raw body")})
	e.svc.Drain()
	if got = ep.all(); len(got) != 1 || string(got[0].Body) != "raw body" {
		t.Errorf("raw delivery: got %+v", got)
	}
}

// TestLambdaSubscription: Lambda subscriptions need no confirmation and
// receive the SNS event (AWS Lambda Developer Guide, "Using Lambda with
// Amazon SNS"), invoked as sns.amazonaws.com for the topic.
func TestLambdaSubscription(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "events")
	fn := "arn:aws:lambda:us-east-1:111111111111:function:notify"
	sub, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("lambda"), Endpoint: &fn})
	if err != nil || !strings.HasPrefix(*sub.SubscriptionArn, arn+":") {
		t.Fatalf("Subscribe: %v %v", sub, err)
	}
	pub, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("payload"), Subject: aws.String("s"),
		MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("42")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Drain()
	calls := e.inv.invocations()
	if len(calls) != 1 {
		t.Fatalf("got %d invocations, want 1", len(calls))
	}
	inv := calls[0]
	if inv.FunctionArn != fn || inv.Service != "sns.amazonaws.com" || inv.SourceArn != arn || inv.SourceAccount != "111111111111" {
		t.Errorf("got invocation %+v", inv)
	}
	var ev struct {
		Records []struct {
			EventSource, EventVersion, EventSubscriptionArn string
			Sns                                             map[string]any
		}
	}
	if err := json.Unmarshal(inv.Payload, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("payload %s: %v", inv.Payload, err)
	}
	r := ev.Records[0]
	if r.EventSource != "aws:sns" || r.EventVersion != "1.0" || r.EventSubscriptionArn != *sub.SubscriptionArn ||
		r.Sns["Message"] != "payload" || r.Sns["MessageId"] != *pub.MessageId || r.Sns["Subject"] != "s" || r.Sns["Type"] != "Notification" ||
		r.Sns["SigningCertUrl"] == nil || r.Sns["UnsubscribeUrl"] == nil {
		t.Errorf("got record %+v", r)
	}
	if attrs, _ := r.Sns["MessageAttributes"].(map[string]any); attrs["n"].(map[string]any)["Value"] != "42" {
		t.Errorf("got attributes %v", r.Sns["MessageAttributes"])
	}
	// Failed invocations are retried: the first try and 3 retries.
	e.inv.mu.Lock()
	e.inv.calls, e.inv.fail = nil, io.EOF
	e.inv.mu.Unlock()
	c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("again")})
	e.svc.Drain()
	if n := len(e.inv.invocations()); n != 4 {
		t.Errorf("got %d attempts, want 4", n)
	}
}

// TestPersistence: topics, subscriptions and the signing key survive a
// restart on the same data directory; the outbox is DataDir/sns/outbox.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *Options) { o.DataDir = dir })
	c := e.client("111111111111")
	arn := createTopic(t, c, "kept")
	c.Subscribe(context.Background(), &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if e.svc.OutboxDir() != filepath.Join(dir, "sns", "outbox") {
		t.Errorf("outbox at %s", e.svc.OutboxDir())
	}
	conf := outbox(t, e)[0]
	e2 := newEnv(t, func(o *Options) { o.DataDir = dir })
	if _, err := e2.svc.Confirm(context.Background(), arn, conf.Token); err != nil {
		t.Fatalf("confirming after restart: %v", err)
	}
	list, err := e2.client("111111111111").ListSubscriptionsByTopic(context.Background(), &awssns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(list.Subscriptions) != 1 || !strings.HasPrefix(*list.Subscriptions[0].SubscriptionArn, arn) {
		t.Errorf("after restart: %+v %v", list, err)
	}
}
