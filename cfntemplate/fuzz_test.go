package cfntemplate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bodies (YAML and JSON) through the whole
// pipeline: nothing may panic, and a parsed template's JSON rendering must
// parse back to the same tree.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/sam/*.yaml", "testdata/cfn/*", "testdata/seeds/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if body, err := os.ReadFile(file); err == nil {
				f.Add(body)
			}
		}
	}
	f.Add([]byte(`{"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${A.B}"}}}}}`))
	f.Add([]byte("A: !GetAtt B.C\nB: !Sub [x, {y: !Ref z}]\n"))
	f.Fuzz(fuzzParseOne)
}

// fuzzParseOne is FuzzParse's body.
func fuzzParseOne(t *testing.T, body []byte) {
	{
		tpl, err := Parse(body)
		if err != nil {
			return
		}
		if tpl.Root().IsMap() {
			back, err := parseJSON(tpl.JSON())
			if err != nil {
				t.Fatalf("JSON() does not parse: %v\n%s", err, tpl.JSON())
			}
			if !Equal(back, tpl.Root()) {
				t.Fatalf("JSON round trip changed the tree:\n%s\n%s", tpl.JSON(), back.JSON())
			}
		}
		processed, err := tpl.Transform(TransformOptions{})
		if err != nil {
			return
		}
		if err := processed.Validate(); err != nil {
			return
		}
		b, err := processed.Bind(nil, Pseudo{AccountID: "111111111111", Region: "us-east-1", StackName: "f"})
		if err != nil {
			return
		}
		order, err := b.Order()
		if err != nil {
			return
		}
		r := &recordingResolver{created: order}
		for _, id := range order {
			_, _ = b.ResolveProperties(context.Background(), id, r)
		}
		_, _ = b.Outputs(context.Background(), r)
	}
}

// FuzzSub checks the Fn::Sub string parser: variables never contain '}'
// and are never empty, literals are merged, and rendering the parts back
// (${Var}, ${!...} for literal "${") parses to the same parts.
func FuzzSub(f *testing.F) {
	for _, s := range []string{"", "plain", "${A}", "${A.B}-${!Lit}", "${", "${}", "a${b${c}d}", "$${x}", "${!}", "${a}${b}", "}${"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := parseSub(s)
		var b strings.Builder
		for i, p := range parts {
			if p.IsVar {
				if p.Text == "" || strings.Contains(p.Text, "}") {
					t.Fatalf("parseSub(%q): bad variable %q", s, p.Text)
				}
				b.WriteString("${" + p.Text + "}")
				continue
			}
			if p.Text == "" {
				t.Fatalf("parseSub(%q): empty literal", s)
			}
			if i > 0 && !parts[i-1].IsVar {
				t.Fatalf("parseSub(%q): adjacent literals", s)
			}
			b.WriteString(strings.ReplaceAll(p.Text, "${", "${!"))
		}
		again := parseSub(b.String())
		if len(again) != len(parts) {
			t.Fatalf("parseSub(%q) = %v; re-rendered %q parses to %v", s, parts, b.String(), again)
		}
		for i := range parts {
			if parts[i] != again[i] {
				t.Fatalf("parseSub(%q) = %v; re-rendered %q parses to %v", s, parts, b.String(), again)
			}
		}
		if got := renameSubVars(s, nil, nil); got != s {
			t.Fatalf("renameSubVars with nothing to rename changed %q to %q", s, got)
		}
	})
}
