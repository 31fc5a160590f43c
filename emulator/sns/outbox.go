package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// fromAddress is the sender of every SNS email.
const fromAddress = "no-reply@sns.amazonaws.com"

// outboxEmail is an email about to be written to the outbox.
type outboxEmail struct {
	To, FromName, Subject, Body string
	Type                        string // Notification or SubscriptionConfirmation
	MessageID                   string
	TopicArn                    string
	SubscriptionArn             string
	Token                       string
	Time                        time.Time
}

// writeEmail writes m as an RFC 5322 message to
// OUTBOX/<timestamp>-<sequence>-<message id>.eml, atomically (temporary file, fsync, rename).
// Besides the standard headers it carries X-Amz-Sns-* headers naming the
// message type, id, topic and subscription, as SNS's HTTP deliveries do, so
// tools can find confirmation requests without parsing the text.
func (s *Service) writeEmail(m outboxEmail) error {
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", (&mail.Address{Name: m.FromName, Address: fromAddress}).String())
	hdr("To", (&mail.Address{Address: m.To}).String())
	hdr("Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	hdr("Date", m.Time.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.MessageID+"@sns.amazonaws.com>")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	// 8bit keeps the text readable; lines longer than RFC 5322's 998
	// characters (JSON messages) need quoted-printable.
	text := strings.ReplaceAll(m.Body, "\n", "\r\n")
	qp := false
	for _, l := range strings.Split(text, "\r\n") {
		if len(l) > 998 {
			qp = true
		}
	}
	if qp {
		hdr("Content-Transfer-Encoding", "quoted-printable")
	} else {
		hdr("Content-Transfer-Encoding", "8bit")
	}
	hdr("X-Amz-Sns-Message-Type", m.Type)
	hdr("X-Amz-Sns-Message-Id", m.MessageID)
	hdr("X-Amz-Sns-Topic-Arn", m.TopicArn)
	if m.SubscriptionArn != "" {
		hdr("X-Amz-Sns-Subscription-Arn", m.SubscriptionArn)
	}
	b.WriteString("\r\n")
	if qp {
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(text))
		w.Close()
	} else {
		b.WriteString(text)
	}
	// The sequence number keeps files of the same instant in write order.
	name := fmt.Sprintf("%s-%06d-%s.eml", m.Time.UTC().Format("20060102T150405.000Z"), s.outboxSeq.Add(1), m.MessageID)
	return fsutil.WriteFile(filepath.Join(s.outbox, name), b.Bytes())
}

// OutboxMessage is an email in the outbox.
type OutboxMessage struct {
	// Path is the .eml file.
	Path    string
	From    string
	To      string
	Subject string
	Date    time.Time
	// Type is Notification or SubscriptionConfirmation.
	Type            string
	MessageID       string
	TopicArn        string
	SubscriptionArn string
	// Token is the confirmation token of a SubscriptionConfirmation.
	Token string
	// Body is the decoded text.
	Body string
}

// ListOutbox returns the emails in the outbox, oldest first.
func (s *Service) ListOutbox() ([]OutboxMessage, error) {
	return ListOutbox(s.outbox)
}

// ListOutbox reads the outbox directory dir (DataDir/sns/outbox), so that
// `xacct` can list mail without a running emulator.
func ListOutbox(dir string) ([]OutboxMessage, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []OutboxMessage
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		m, err := ReadOutboxMessage(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	sort.SliceStable(out, func(i, j int) bool { return filepath.Base(out[i].Path) < filepath.Base(out[j].Path) })
	return out, nil
}

var tokenRE = regexp.MustCompile(`[?&]Token=([0-9A-Za-z]+)`)

// ReadOutboxMessage parses one .eml file of the outbox.
func ReadOutboxMessage(path string) (*OutboxMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := msg.Header
	var body io.Reader = msg.Body
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil {
		subject = h.Get("Subject")
	}
	m := &OutboxMessage{Path: path, From: h.Get("From"), To: h.Get("To"), Subject: subject,
		Type: h.Get("X-Amz-Sns-Message-Type"), MessageID: h.Get("X-Amz-Sns-Message-Id"),
		TopicArn: h.Get("X-Amz-Sns-Topic-Arn"), SubscriptionArn: h.Get("X-Amz-Sns-Subscription-Arn"),
		Body: strings.ReplaceAll(string(raw), "\r\n", "\n")}
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
	if m.Type == "SubscriptionConfirmation" {
		var e envelope
		if json.Unmarshal(raw, &e) == nil && e.Token != "" {
			m.Token = e.Token
		} else if sm := tokenRE.FindStringSubmatch(m.Body); sm != nil {
			m.Token = sm[1]
		}
	}
	return m, nil
}

// ConfirmFromOutbox confirms the subscription a confirmation email in the
// outbox asks about, as clicking its link would, and returns the
// subscription ARN.
func (s *Service) ConfirmFromOutbox(ctx context.Context, path string) (string, error) {
	m, err := ReadOutboxMessage(path)
	if err != nil {
		return "", err
	}
	if m.Type != "SubscriptionConfirmation" || m.Token == "" || m.TopicArn == "" {
		return "", fmt.Errorf("%s is not a subscription confirmation", path)
	}
	return s.Confirm(ctx, m.TopicArn, m.Token)
}
