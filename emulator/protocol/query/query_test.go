package query

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xacct/xacct/emulator/awserr"
)

type tag struct {
	Key   string
	Value string
}

type input struct {
	RoleArn         string
	DurationSeconds *int32
	Enabled         bool
	Tags            []tag
	Keys            []string
	Attributes      map[string]string
	Message         map[string]tag `query:"entry,Name,Value"`
	When            time.Time
	Nested          *struct{ Name string }
	Paging
	Arns []arnDescriptor
}

// Paging is embedded in input: its members decode at input's level.
type Paging struct {
	Marker   string
	MaxItems *int32
}

// arnDescriptor's member has a lower-case wire name.
type arnDescriptor struct {
	Arn string `query:"name=arn"`
}

func TestDecode(t *testing.T) {
	form := url.Values{
		"Action":                      {"AssumeRole"},
		"RoleArn":                     {"arn:aws:iam::222222222222:role/x"},
		"DurationSeconds":             {"900"},
		"Enabled":                     {"true"},
		"Tags.member.2.Key":           {"b"},
		"Tags.member.2.Value":         {"2"},
		"Tags.member.1.Key":           {"a"},
		"Tags.member.1.Value":         {"1"},
		"Keys.member.1":               {"k1"},
		"Keys.member.10":              {"k10"},
		"Keys.member.2":               {"k2"},
		"Attributes.entry.1.key":      {"Policy"},
		"Attributes.entry.1.value":    {"{}"},
		"Message.entry.1.Name":        {"attr"},
		"Message.entry.1.Value.Key":   {"String"},
		"Message.entry.1.Value.Value": {"v"},
		"When":                        {"2026-01-02T03:04:05Z"},
		"Nested.Name":                 {"n"},
		"Unknown":                     {"ignored"},
		"Tags.member.notanumber.Key":  {"x"},
		"Attributes.entry.0.key":      {"zero is not an index"},
		"Attributes.entry.0.value":    {"x"},
	}
	var got input
	if err := Decode(form, &got); err != nil {
		t.Fatal(err)
	}
	d := int32(900)
	want := input{
		RoleArn:         "arn:aws:iam::222222222222:role/x",
		DurationSeconds: &d,
		Enabled:         true,
		Tags:            []tag{{"a", "1"}, {"b", "2"}},
		Keys:            []string{"k1", "k2", "k10"},
		Attributes:      map[string]string{"Policy": "{}"},
		Message:         map[string]tag{"attr": {"String", "v"}},
		When:            time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Nested:          &struct{ Name string }{"n"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}

// TestDecodeEmbeddedAndWireNames: an embedded struct's members are the
// embedding struct's (IAM's Marker and MaxItems), and a name= tag decodes a
// member whose wire name differs from the field's (STS PolicyArns.member.N.arn).
func TestDecodeEmbeddedAndWireNames(t *testing.T) {
	type Page struct {
		Marker   string
		MaxItems int32
	}
	type descriptor struct {
		Arn string `query:"name=arn"`
	}
	type in struct {
		PathPrefix string
		Page
		PolicyArns []descriptor
	}
	form := url.Values{"PathPrefix": {"/"}, "Marker": {"100"}, "MaxItems": {"7"},
		"PolicyArns.member.1.arn": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	var got in
	if err := Decode(form, &got); err != nil {
		t.Fatal(err)
	}
	want := in{PathPrefix: "/", Page: Page{Marker: "100", MaxItems: 7}, PolicyArns: []descriptor{{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}

func TestDecodeBadValues(t *testing.T) {
	for _, tc := range []struct{ name, key, value string }{
		{"int", "DurationSeconds", "abc"},
		{"bool", "Enabled", "maybe"},
		{"time", "When", "yesterday"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in input
			err := Decode(url.Values{tc.key: {tc.value}}, &in)
			if !awserr.Is(err, "ValidationError") {
				t.Fatalf("got %v, want ValidationError", err)
			}
		})
	}
}

type output struct {
	Name    string
	Empty   string
	Count   int32
	OK      bool
	Items   []tag
	NilList []string
	None    []string
	Map     map[string]string
	When    time.Time
	Ptr     *tag
}

func TestWriteResponse(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteResponse(rec, "https://x/doc/", "Op", "req-1", &output{
		Name:  "a<b",
		Count: 3,
		OK:    false,
		Items: []tag{{"k", "v"}},
		None:  []string{},
		Map:   map[string]string{"b": "2", "a": "1"},
		When:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	body := rec.Body.String()
	want := `<OpResponse xmlns="https://x/doc/"><OpResult><Name>a&lt;b</Name><Count>3</Count><OK>false</OK>` +
		`<Items><member><Key>k</Key><Value>v</Value></member></Items><None></None>` +
		`<Map><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></Map>` +
		`<When>2026-01-02T03:04:05Z</When></OpResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></OpResponse>`
	if !strings.HasSuffix(body, want) {
		t.Errorf("got\n%s\nwant suffix\n%s", body, want)
	}
	if rec.Code != http.StatusOK {
		t.Errorf("got status %d, want 200", rec.Code)
	}
}

// A time with a fractional second keeps its milliseconds (CloudFormation's
// event times); a whole second is written without them (IAM's dates).
func TestWriteResponseMillis(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteResponse(rec, "ns", "Op", "r", &output{When: time.Date(2026, 1, 2, 3, 4, 5, 67_890_000, time.UTC)})
	if want := "<When>2026-01-02T03:04:05.067Z</When>"; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("got %s, want %s", rec.Body.String(), want)
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, "https://x/doc/", "req-2", awserr.AccessDenied("User: a is not authorized"))
	want := `<ErrorResponse xmlns="https://x/doc/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: a is not authorized</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`
	if !strings.HasSuffix(rec.Body.String(), want) || rec.Code != 403 {
		t.Errorf("got %d %s, want 403 %s", rec.Code, rec.Body.String(), want)
	}
	rec = httptest.NewRecorder()
	WriteError(rec, "ns", "r", awserr.From(errTest{}))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "<Type>Receiver</Type><Code>InternalError</Code>") {
		t.Errorf("got %d %s, want 500 Receiver InternalError", rec.Code, rec.Body.String())
	}
}

type errTest struct{}

func (errTest) Error() string { return "boom" }

func FuzzDecode(f *testing.F) {
	f.Add("Tags.member.1.Key=a&Tags.member.1.Value=b&DurationSeconds=9")
	f.Add("Message.entry.1.Name=x&Message.entry.1.Value.Key=y&Keys.member.99999999999999999999=z")
	f.Add("Nested.Name=&When=1700000000.5")
	f.Add("Marker=100&MaxItems=7&Arns.member.1.arn=arn:aws:iam::aws:policy/x&Arns.member.2.Arn=y")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in input
		Decode(form, &in)
	})
}
