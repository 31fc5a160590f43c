package sns

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// deliveryAttempts is how often SNS tries an http/https or Lambda endpoint:
// the first try and the default policy's 3 retries.
const deliveryAttempts = 4

// envelope is the JSON document SNS sends to http/https and email-json
// subscribers, members in SNS's order (Amazon SNS Developer Guide, "Amazon
// SNS message and JSON formats").
type envelope struct {
	Type              string
	MessageId         string
	Token             string `json:",omitempty"`
	TopicArn          string
	Subject           string `json:",omitempty"`
	Message           string
	SubscribeURL      string `json:",omitempty"`
	Timestamp         string
	SignatureVersion  string
	Signature         string
	SigningCertURL    string
	UnsubscribeURL    string                   `json:",omitempty"`
	MessageAttributes map[string]attributeJSON `json:",omitempty"`
}

type attributeJSON struct {
	Type  string
	Value string
}

// snsTime formats times as SNS does: 2012-05-02T00:54:06.655Z.
func snsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stringToSign is the canonical text SNS signs (Amazon SNS Developer Guide,
// "Verifying the signatures of Amazon SNS messages").
func (e *envelope) stringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", e.Message)
	add("MessageId", e.MessageId)
	if e.Type == "Notification" {
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
		add("Timestamp", e.Timestamp)
		add("TopicArn", e.TopicArn)
		add("Type", e.Type)
		return b.String()
	}
	add("SubscribeURL", e.SubscribeURL)
	add("Timestamp", e.Timestamp)
	add("Token", e.Token)
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}

func (s *Service) unsubscribeURL(subArn string) string {
	return s.baseURL() + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subArn)
}

func (s *Service) subscribeURL(topicArn, token string) string {
	return s.baseURL() + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicArn) + "&Token=" + token
}

// sign fills the signature fields with the topic's SignatureVersion (1:
// SHA1withRSA, the default; 2: SHA256withRSA).
func (s *Service) sign(e *envelope, version string) error {
	if version == "" {
		version = "1"
	}
	sg, err := s.signer.get()
	if err != nil {
		return err
	}
	e.SignatureVersion = version
	e.SigningCertURL = s.baseURL() + sg.path
	text := []byte(e.stringToSign())
	var sig []byte
	if version == "2" {
		sum := sha256.Sum256(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return err
	}
	e.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// notification builds the signed Notification envelope of m for sub.
func (s *Service) notification(t *topic, sub *subscription, m *message) (*envelope, error) {
	e := &envelope{Type: "Notification", MessageId: m.ID, TopicArn: m.TopicArn, Subject: m.Subject,
		Message: m.bodyFor(sub.Protocol), Timestamp: snsTime(m.Time), UnsubscribeURL: s.unsubscribeURL(sub.Arn)}
	if len(m.Attributes) > 0 {
		e.MessageAttributes = map[string]attributeJSON{}
		for k, v := range m.Attributes {
			a := attributeJSON{Type: v.DataType}
			if v.StringValue != nil {
				a.Value = *v.StringValue
			} else if v.BinaryValue != nil {
				a.Value = *v.BinaryValue
			}
			e.MessageAttributes[k] = a
		}
	}
	return e, s.sign(e, t.Attributes["SignatureVersion"])
}

// control builds a signed SubscriptionConfirmation or
// UnsubscribeConfirmation envelope.
func (s *Service) control(t *topic, sub *subscription, typ string, at time.Time) (*envelope, error) {
	e := &envelope{Type: typ, MessageId: newID(), Token: sub.Token, TopicArn: t.Arn, Timestamp: snsTime(at)}
	if e.Token == "" {
		e.Token = newToken()
	}
	e.SubscribeURL = s.subscribeURL(t.Arn, e.Token)
	if typ == "SubscriptionConfirmation" {
		e.Message = "You have chosen to subscribe to the topic " + t.Arn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
	} else {
		e.Message = "You have chosen to deactivate subscription " + sub.Arn + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	}
	return e, s.sign(e, t.Attributes["SignatureVersion"])
}

// marshalEnvelope renders e as SNS does: one member per line, `"Key" :
// value`, members in SNS's order, absent members left out.
func marshalEnvelope(e *envelope) []byte {
	var b bytes.Buffer
	q := func(s string) string {
		var sb bytes.Buffer
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSuffix(sb.String(), "\n")
	}
	b.WriteString("{\n")
	first := true
	member := func(k, v string) {
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.WriteString("  " + q(k) + " : " + v)
	}
	for _, f := range []struct{ k, v string }{{"Type", e.Type}, {"MessageId", e.MessageId}, {"Token", e.Token}, {"TopicArn", e.TopicArn},
		{"Subject", e.Subject}, {"Message", e.Message}, {"SubscribeURL", e.SubscribeURL}, {"Timestamp", e.Timestamp},
		{"SignatureVersion", e.SignatureVersion}, {"Signature", e.Signature}, {"SigningCertURL", e.SigningCertURL}, {"UnsubscribeURL", e.UnsubscribeURL}} {
		if f.v != "" || f.k == "Message" {
			member(f.k, q(f.v))
		}
	}
	if len(e.MessageAttributes) > 0 {
		names := make([]string, 0, len(e.MessageAttributes))
		for k := range e.MessageAttributes {
			names = append(names, k)
		}
		sort.Strings(names)
		var a bytes.Buffer
		a.WriteString("{\n")
		for i, k := range names {
			v := e.MessageAttributes[k]
			if i > 0 {
				a.WriteString(",\n")
			}
			a.WriteString("    " + q(k) + " : {\"Type\":" + q(v.Type) + ",\"Value\":" + q(v.Value) + "}")
		}
		a.WriteString("\n  }")
		member("MessageAttributes", a.String())
	}
	b.WriteString("\n}")
	return b.Bytes()
}

// requestConfirmation sends a new subscription's confirmation request:
// an email in the outbox, or a POST to the http/https endpoint.
func (s *Service) requestConfirmation(ctx context.Context, t *topic, sub *subscription, at time.Time) error {
	switch sub.Protocol {
	case "email":
		return s.writeEmail(outboxEmail{To: sub.Endpoint, FromName: "AWS Notifications", Subject: "AWS Notification - Subscription Confirmation",
			Body: confirmationText(t.Arn, s.subscribeURL(t.Arn, sub.Token)), Type: "SubscriptionConfirmation",
			MessageID: newID(), TopicArn: t.Arn, Token: sub.Token, Time: at})
	case "email-json":
		e, err := s.control(t, sub, "SubscriptionConfirmation", at)
		if err != nil {
			return err
		}
		return s.writeEmail(outboxEmail{To: sub.Endpoint, FromName: "AWS Notifications", Subject: "AWS Notification - Subscription Confirmation",
			Body: string(marshalEnvelope(e)), Type: "SubscriptionConfirmation", MessageID: e.MessageId, TopicArn: t.Arn, Token: sub.Token, Time: at})
	case "http", "https":
		s.sendControl(ctx, t, sub, "SubscriptionConfirmation", at)
	}
	return nil
}

func confirmationText(topicArn, link string) string {
	return "You have chosen to subscribe to the topic: \n" + topicArn + "\n\n" +
		"To confirm this subscription, click or visit the link below (If this was in error no action is necessary): \n" +
		"Confirm subscription: " + link + "\n\n" +
		"Please do not reply directly to this email. If you wish to remove yourself from receiving all future SNS subscription confirmation requests please send an email to sns-opt-out\n"
}

// sendControl posts a confirmation message to an http/https endpoint in
// the background.
func (s *Service) sendControl(ctx context.Context, t *topic, sub *subscription, typ string, at time.Time) {
	e, err := s.control(t, sub, typ, at)
	if err != nil {
		s.log.Error("sns: signing confirmation", "error", err)
		return
	}
	s.post(ctx, sub, e, marshalEnvelope(e), typ)
}

// deliver sends m to one subscription: email is written to the outbox
// before Publish returns; http/https and Lambda deliveries run in the
// background with retries.
func (s *Service) deliver(ctx context.Context, t *topic, sub *subscription, m *message) {
	switch sub.Protocol {
	case "email":
		from := t.Attributes["DisplayName"]
		if from == "" {
			from = "AWS Notifications"
		}
		subject := m.Subject
		if subject == "" {
			subject = "AWS Notification Message"
		}
		body := m.bodyFor("email") + "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n" +
			s.unsubscribeURL(sub.Arn) + "\n\nPlease do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support\n"
		s.emailOrLog(outboxEmail{To: sub.Endpoint, FromName: from, Subject: subject, Body: body, Type: "Notification",
			MessageID: m.ID, TopicArn: t.Arn, SubscriptionArn: sub.Arn, Time: m.Time})
	case "email-json":
		e, err := s.notification(t, sub, m)
		if err != nil {
			s.log.Error("sns: signing notification", "error", err)
			return
		}
		subject := m.Subject
		if subject == "" {
			subject = "AWS Notification Message"
		}
		s.emailOrLog(outboxEmail{To: sub.Endpoint, FromName: "AWS Notifications", Subject: subject, Body: string(marshalEnvelope(e)),
			Type: "Notification", MessageID: m.ID, TopicArn: t.Arn, SubscriptionArn: sub.Arn, Time: m.Time})
	case "http", "https":
		e, err := s.notification(t, sub, m)
		if err != nil {
			s.log.Error("sns: signing notification", "error", err)
			return
		}
		body := marshalEnvelope(e)
		if sub.Attributes["RawMessageDelivery"] == "true" {
			body = []byte(e.Message)
		}
		s.post(ctx, sub, e, body, "Notification")
	case "lambda":
		e, err := s.notification(t, sub, m)
		if err != nil {
			s.log.Error("sns: signing notification", "error", err)
			return
		}
		s.invoke(ctx, t, sub, e)
	}
}

func (s *Service) emailOrLog(m outboxEmail) {
	if err := s.writeEmail(m); err != nil {
		s.log.Error("sns: writing email to the outbox", "to", m.To, "error", err)
	}
}

// post delivers body to an http/https endpoint with SNS's headers,
// retrying failed attempts.
func (s *Service) post(_ context.Context, sub *subscription, e *envelope, body []byte, typ string) {
	if _, err := http.NewRequest(http.MethodPost, sub.Endpoint, nil); err != nil {
		s.log.Error("sns: bad endpoint", "endpoint", sub.Endpoint, "error", err)
		return
	}
	s.retry("http", "endpoint", sub.Endpoint, e.MessageId, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
		if err != nil {
			return err
		}
		h := req.Header
		h.Set("Content-Type", "text/plain; charset=UTF-8")
		h.Set("User-Agent", "Amazon Simple Notification Service Agent")
		h.Set("x-amz-sns-message-type", typ)
		h.Set("x-amz-sns-message-id", e.MessageId)
		h.Set("x-amz-sns-topic-arn", e.TopicArn)
		if typ == "Notification" || typ == "UnsubscribeConfirmation" {
			h.Set("x-amz-sns-subscription-arn", sub.Arn)
		}
		if typ == "Notification" && sub.Attributes["RawMessageDelivery"] == "true" {
			h.Set("x-amz-sns-rawdelivery", "true")
		}
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 300 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// retry runs attempt in the background until it succeeds, at most
// deliveryAttempts times, RetryDelay apart. The attempts outlive the
// request that caused them; only shutting down stops them: the gate
// refuses new deliveries and cuts the wait between attempts short, and
// abortCtx, attempt's ctx, cancels one under way. kind ("http", "lambda"),
// key and endpoint name the delivery in the log.
func (s *Service) retry(kind, key, endpoint, messageID string, attempt func(ctx context.Context) error) {
	ctx := s.abortCtx
	if !s.gate.Enter() {
		s.log.Warn("sns: shutting down, delivery not attempted", key, endpoint, "message_id", messageID)
		return
	}
	go func() {
		defer s.gate.Leave()
		for n := 1; n <= deliveryAttempts; n++ {
			err := attempt(ctx)
			if err == nil {
				return
			}
			s.log.Warn("sns: "+kind+" delivery failed", key, endpoint, "attempt", n, "error", err)
			if n < deliveryAttempts && !s.gate.Sleep(s.opts.RetryDelay) {
				return
			}
		}
	}()
}

// lambdaEvent is the event SNS invokes Lambda subscribers with (AWS Lambda
// Developer Guide, "Using Lambda with Amazon SNS").
type lambdaEvent struct {
	Records []lambdaRecord
}

type lambdaRecord struct {
	EventSource          string
	EventVersion         string
	EventSubscriptionArn string
	Sns                  lambdaSNS
}

type lambdaSNS struct {
	Type              string
	MessageId         string
	TopicArn          string
	Subject           *string
	Message           string
	Timestamp         string
	SignatureVersion  string
	Signature         string
	SigningCertUrl    string
	UnsubscribeUrl    string
	MessageAttributes map[string]attributeJSON
}

func (s *Service) invoke(_ context.Context, t *topic, sub *subscription, e *envelope) {
	ev := lambdaEvent{Records: []lambdaRecord{{EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: sub.Arn,
		Sns: lambdaSNS{Type: e.Type, MessageId: e.MessageId, TopicArn: e.TopicArn, Message: e.Message, Timestamp: e.Timestamp,
			SignatureVersion: e.SignatureVersion, Signature: e.Signature, SigningCertUrl: e.SigningCertURL, UnsubscribeUrl: e.UnsubscribeURL,
			MessageAttributes: e.MessageAttributes}}}}
	if e.Subject != "" {
		subj := e.Subject
		ev.Records[0].Sns.Subject = &subj
	}
	if ev.Records[0].Sns.MessageAttributes == nil {
		ev.Records[0].Sns.MessageAttributes = map[string]attributeJSON{}
	}
	payload, _ := json.Marshal(ev)
	inv := LambdaInvocation{FunctionArn: sub.Endpoint, Payload: payload, Service: "sns.amazonaws.com", SourceArn: t.Arn, SourceAccount: t.Owner}
	s.retry("lambda", "function", sub.Endpoint, e.MessageId, func(ctx context.Context) error {
		return s.opts.Invoker.InvokeFromService(ctx, inv)
	})
}

// signer holds the key messages are signed with and its certificate,
// served at SigningCertURL. It is created on first use, and kept in the
// data directory when there is one so signatures verify across restarts.
type signer struct {
	file string
	now  time.Time
	once sync.Once
	err  error
	keys *signingKey
}

type signingKey struct {
	key     *rsa.PrivateKey
	certPEM []byte
	path    string // /SimpleNotificationService-<id>.pem
}

func newSigner(file string, now time.Time) (*signer, error) {
	return &signer{file: file, now: now}, nil
}

func (sg *signer) get() (*signingKey, error) {
	sg.once.Do(func() { sg.keys, sg.err = sg.load() })
	return sg.keys, sg.err
}

func (sg *signer) load() (*signingKey, error) {
	if sg.file != "" {
		b, err := os.ReadFile(sg.file)
		if err == nil {
			return parseSigningKey(b)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sg.now.UnixNano()),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"xacct emulator"}},
		NotBefore:    sg.now.Add(-time.Hour),
		NotAfter:     sg.now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     []string{"sns.amazonaws.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	pemBytes := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if sg.file != "" {
		if err := fsutil.WriteFile(sg.file, pemBytes); err != nil {
			return nil, err
		}
	}
	return parseSigningKey(pemBytes)
}

func parseSigningKey(b []byte) (*signingKey, error) {
	k := &signingKey{}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "CERTIFICATE":
			k.certPEM = pem.EncodeToMemory(blk)
			sum := sha256.Sum256(blk.Bytes)
			k.path = "/SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem"
		case "RSA PRIVATE KEY":
			key, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
			if err != nil {
				return nil, err
			}
			k.key = key
		}
	}
	if k.key == nil || k.certPEM == nil {
		return nil, errors.New("signing key file lacks a certificate or key")
	}
	return k, nil
}

// SigningCertificate returns the PEM certificate messages are signed with
// and the URL path it is served at.
func (s *Service) SigningCertificate() (pemBytes []byte, path string, err error) {
	k, err := s.signer.get()
	if err != nil {
		return nil, "", err
	}
	return k.certPEM, k.path, nil
}
