package iam

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("_+=,.@-", c) >= 0
}

// checkName validates a role, user or policy name: pattern [\w+=,.@-]+ and
// length 1..max (IAM API Reference, CreateRole/CreateUser/CreatePolicy).
func checkName(member, v string, max int) error {
	if v == "" {
		return validationError(member, v, "have length greater than or equal to 1")
	}
	if len(v) > max {
		return validationError(member, v, fmt.Sprintf("have length less than or equal to %d", max))
	}
	for i := 0; i < len(v); i++ {
		if !isNameChar(v[i]) {
			return validationError(member, v, `satisfy regular expression pattern: [\w+=,.@-]+`)
		}
	}
	return nil
}

// checkPath validates an IAM path: "/" or "/…/" of printable ASCII, at most
// 512 characters.
func checkPath(member, v string) error {
	if v == "" || v == "/" {
		return nil
	}
	if len(v) > 512 {
		return validationError(member, v, "have length less than or equal to 512")
	}
	ok := len(v) >= 2 && v[0] == '/' && v[len(v)-1] == '/'
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x21 && v[i] <= 0x7e
	}
	if !ok {
		return validationError(member, v, `satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return nil
}

func normPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return awserr.New(http.StatusConflict, "LimitExceeded", "The number of tags has reached the maximum limit.")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 {
			return validationError("tags.member.key", t.Key, "have length between 1 and 128")
		}
		if len(t.Value) > 256 {
			return validationError("tags.member.value", t.Value, "have length less than or equal to 256")
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return awserr.New(http.StatusBadRequest, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func mergeTags(old, add []Tag) []Tag {
	out := append([]Tag(nil), old...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

func removeTags(old []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range old {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// awsPrincipals returns every value under Principal.AWS and NotPrincipal.AWS
// in a policy document (already validated by the policy package).
func awsPrincipals(text string) []string {
	var doc struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(text), &doc) != nil {
		return nil
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil
		}
		stmts = []map[string]json.RawMessage{one}
	}
	var out []string
	for _, st := range stmts {
		for _, key := range []string{"Principal", "NotPrincipal"} {
			var p map[string]json.RawMessage
			if json.Unmarshal(st[key], &p) != nil {
				continue
			}
			raw, ok := p["AWS"]
			if !ok {
				continue
			}
			var list []string
			if json.Unmarshal(raw, &list) != nil {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					list = []string{s}
				}
			}
			out = append(out, list...)
		}
	}
	return out
}

// entityARN splits an IAM user or role ARN into account, kind ("role" or
// "user") and name (the last path segment).
func entityARN(arn string) (acct, kind, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:")
	if !found {
		return "", "", "", false
	}
	parts := strings.SplitN(rest, ":", 5)
	if len(parts) != 5 || parts[1] != "iam" {
		return "", "", "", false
	}
	acct = parts[3]
	res := parts[4]
	kind, path, found := strings.Cut(res, "/")
	if !found || (kind != "role" && kind != "user") {
		return "", "", "", false
	}
	name = path[strings.LastIndexByte(path, '/')+1:]
	return acct, kind, name, name != ""
}
