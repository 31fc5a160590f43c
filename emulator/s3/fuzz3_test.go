package s3

import (
	"encoding/xml"
	"net/http"
	"testing"
	"time"
)

// FuzzLifecycle: any body either is refused or parses into rules that
// evaluate without a panic and read back as XML that parses into the same
// number of rules.
func FuzzLifecycle(f *testing.F) {
	f.Add(`<LifecycleConfiguration><Rule><ID>a</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`)
	f.Add(`<LifecycleConfiguration><Rule><Prefix>x</Prefix><Status>Disabled</Status><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`)
	f.Add(`<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Date>2030-01-01T01:00:00Z</Date></Expiration></Rule></LifecycleConfiguration>`)
	f.Fuzz(func(t *testing.T, body string) {
		var x lifecycleConfigurationXML
		if xml.Unmarshal([]byte(body), &x) != nil {
			return
		}
		rules, err := parseLifecycle(x)
		if err != nil {
			return
		}
		b := &Bucket{Lifecycle: rules}
		objectExpiry(b, &Object{Key: "p/x", Size: 5, Tags: []Tag{{"k", "v"}}, LastModified: time.Unix(0, 0)})
		out := lifecycleConfigurationXML{}
		for _, r := range rules {
			out.Rules = append(out.Rules, lifecycleRuleToXML(r))
		}
		data, err := xml.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		var back lifecycleConfigurationXML
		if err := xml.Unmarshal(data, &back); err != nil || len(back.Rules) != len(rules) {
			t.Fatalf("round trip of %q: %v, %d rules", body, err, len(back.Rules))
		}
		if _, err := parseLifecycle(back); err != nil {
			t.Fatalf("stored rules of %q do not parse again: %v", body, err)
		}
	})
}

// FuzzCORS: a configuration either is refused or matches without a panic.
func FuzzCORS(f *testing.F) {
	f.Add(`<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*</AllowedHeader><MaxAgeSeconds>5</MaxAgeSeconds></CORSRule></CORSConfiguration>`, "https://a.example.com", "GET", "x-a")
	f.Fuzz(func(t *testing.T, body, origin, method, header string) {
		var x corsConfigurationXML
		if xml.Unmarshal([]byte(body), &x) != nil {
			return
		}
		rules, err := parseCORS(x)
		if err != nil {
			return
		}
		if r := matchCORS(rules, origin, method, []string{header}); r != nil {
			setCORSHeaders(http.Header{}, r, origin, []string{header})
		}
	})
}

// FuzzTaggingHeader: x-amz-tagging either is refused or yields tags
// within S3's limits.
func FuzzTaggingHeader(f *testing.F) {
	f.Add("a=1&b=%20x")
	f.Add("a=1&a=2")
	f.Fuzz(func(t *testing.T, v string) {
		tags, _, err := headerTags(http.Header{"X-Amz-Tagging": {v}})
		if err == nil && checkTags(tags, false) != nil {
			t.Fatalf("%q accepted outside the limits", v)
		}
	})
}
