package console

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/xacct/xacct/emulator/logs"
)

var tags = regexp.MustCompile(`</?span[^>]*>`)

// FuzzHighlightJSON: whatever the text, the highlighted HTML is the text
// (indented when it is JSON; NUL as U+FFFD) once its spans are removed and
// it is unescaped, and it holds no markup but those spans.
func FuzzHighlightJSON(f *testing.F) {
	for _, s := range []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		`{"a":-1.5e3,"b":true,"c":null,"d":"<script>\"x\\"}`, `not json <b>`, `"unterminated`, `[1,2`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := string(highlightJSON(text))
		want := text
		var ind bytes.Buffer
		if json.Indent(&ind, []byte(text), "", "  ") == nil {
			want = ind.String()
		}
		// html/template's escaper turns NUL into U+FFFD, as HTML does.
		want = strings.ReplaceAll(want, "\x00", "\uFFFD")
		plain := tags.ReplaceAllString(got, "")
		if strings.ContainsAny(plain, "<>") {
			t.Fatalf("markup outside the spans in %q", got)
		}
		if html.UnescapeString(plain) != want {
			t.Fatalf("highlightJSON(%q) reads back as %q", text, html.UnescapeString(plain))
		}
	})
}

// TestInvocations: START/REPORT lines in both log formats make the
// invocations, newest first, with the refusals logged between them.
func TestInvocations(t *testing.T) {
	ev := func(stream, msg string, ts int64) logs.FilteredEvent {
		return logs.FilteredEvent{LogStreamName: stream, Message: msg, Timestamp: ts}
	}
	got := invocations([]logs.FilteredEvent{
		ev("s1", "START RequestId: aaa Version: $LATEST", 1),
		ev("s1", "XACCT r1 refused sts:AssumeRole on arn:aws:iam::222222222222:role/t: step 2 (trust policy): ...", 2),
		ev("s1", "REPORT RequestId: aaa\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t", 3),
		ev("s2", `{"time":"x","type":"platform.start","record":{"requestId":"bbb","version":"$LATEST"}}`, 4),
		ev("s2", `{"time":"x","type":"platform.report","record":{"requestId":"bbb","metrics":{},"status":"timeout"}}`, 5),
		ev("s1", "START RequestId: ccc Version: $LATEST", 6),
	})
	if len(got) != 3 || got[0].RequestID != "ccc" || got[0].Status != "running" || got[1].RequestID != "bbb" || got[1].Status != "timeout" ||
		got[2].RequestID != "aaa" || got[2].Status != "done" || len(got[2].Refusals) != 1 {
		t.Fatalf("got %+v", got)
	}
}
