package s3

// The policy document of a browser upload (Amazon S3 API Reference,
// "Creating a POST policy" under "Browser-Based Uploads Using POST (AWS
// Signature Version 4)"): a base64 JSON object with an expiration and
// conditions, each an exact match ({"field": "value"} or ["eq", "$field",
// "value"]), a prefix (["starts-with", "$field", "prefix"]) or a size
// range (["content-length-range", min, max]).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// postPolicy is a parsed policy document.
type postPolicy struct {
	Expiration time.Time
	Conditions []postCondition
	// MinSize and MaxSize bound the file's size (content-length-range);
	// MaxSize is -1 without one.
	MinSize, MaxSize int64
}

// postCondition is one condition on a form field: Op is "eq" or
// "starts-with", Field the field's lower-case name without "$".
type postCondition struct {
	Op, Field, Value string
	// Text is the condition as written, for the error that names it.
	Text string
}

func errInvalidPolicy(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: %s", msg)
}

func errPolicyViolation(msg string) *awserr.Error {
	return errAccessDenied("Invalid according to Policy: " + msg)
}

// maxPolicySize bounds a policy document (base64), as S3 bounds the form
// fields before the file.
const maxPolicySize = 20 << 10

// parsePostPolicy decodes and validates a base64 policy document.
func parsePostPolicy(b64 string) (*postPolicy, error) {
	if len(b64) > maxPolicySize {
		return nil, errInvalidPolicy("Policy document is too large.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, errInvalidPolicy("Invalid Base64 encoding.")
	}
	var doc struct {
		Expiration *string            `json:"expiration"`
		Conditions *[]json.RawMessage `json:"conditions"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, errInvalidPolicy("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return nil, errInvalidPolicy("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339Nano, *doc.Expiration)
	if err != nil {
		return nil, errInvalidPolicy("Invalid 'expiration' value: '" + *doc.Expiration + "'")
	}
	if doc.Conditions == nil {
		return nil, errInvalidPolicy("Policy missing conditions.")
	}
	p := &postPolicy{Expiration: exp, MaxSize: -1}
	for _, c := range *doc.Conditions {
		if err := p.addCondition(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *postPolicy) addCondition(raw json.RawMessage) error {
	text := string(raw)
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		if len(obj) != 1 {
			return errInvalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return errInvalidPolicy("Invalid Simple-Condition: value must be a string.")
			}
			p.Conditions = append(p.Conditions, postCondition{Op: "eq", Field: strings.ToLower(k), Value: s, Text: text})
		}
		return nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil || len(arr) == 0 {
		return errInvalidPolicy("Invalid Condition: a condition is an object or an array.")
	}
	var op string
	if json.Unmarshal(arr[0], &op) != nil {
		return errInvalidPolicy("Invalid Condition: its first element must be a string.")
	}
	switch strings.ToLower(op) {
	case "eq", "starts-with":
		var field, value string
		if len(arr) != 3 || json.Unmarshal(arr[1], &field) != nil || json.Unmarshal(arr[2], &value) != nil {
			return errInvalidPolicy("Invalid '" + op + "' condition: expected [\"" + op + "\", \"$field\", \"value\"].")
		}
		name, ok := strings.CutPrefix(field, "$")
		if !ok || name == "" {
			return errInvalidPolicy("Invalid '" + op + "' condition: the field must start with '$': '" + field + "'.")
		}
		p.Conditions = append(p.Conditions, postCondition{Op: strings.ToLower(op), Field: strings.ToLower(name), Value: value, Text: text})
	case "content-length-range":
		if len(arr) != 3 {
			return errInvalidPolicy("Invalid content-length-range condition: expected [\"content-length-range\", min, max].")
		}
		lo, err1 := policyInt(arr[1])
		hi, err2 := policyInt(arr[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return errInvalidPolicy("Invalid content-length-range condition: " + text)
		}
		p.MinSize, p.MaxSize = lo, hi
	default:
		return errInvalidPolicy("Invalid condition type: '" + op + "'")
	}
	return nil
}

// policyInt reads a number written as a JSON number or a string.
func policyInt(raw json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return strconv.ParseInt(n.String(), 10, 64)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// check applies the policy to the form's fields (lower-case names) and the
// target bucket at now: not expired, every condition met, and every field
// but policy, x-amz-signature, file and x-ignore-* named by a condition
// (Amazon S3 API Reference, "Creating a POST policy": "Each form field
// that you specify in a form (except x-amz-signature, file, policy, and
// field names that have an x-ignore- prefix) must appear in the list of
// conditions").
func (p *postPolicy) check(fields map[string]string, bucket string, now time.Time) error {
	if !now.Before(p.Expiration) {
		return errPolicyViolation("Policy expired.")
	}
	covered := map[string]bool{"policy": true, "x-amz-signature": true, "file": true}
	for _, c := range p.Conditions {
		covered[c.Field] = true
		// A field the form leaves out is empty: ["starts-with",
		// "$field", ""] allows it to be absent.
		v := fields[c.Field]
		if c.Field == "bucket" {
			v = bucket
		}
		var met bool
		switch c.Op {
		case "eq":
			met = v == c.Value
		case "starts-with":
			met = startsWith(c.Field, v, c.Value)
		}
		if !met {
			return errPolicyViolation("Policy Condition failed: " + c.Text)
		}
	}
	for name := range fields {
		if !covered[name] && !strings.HasPrefix(name, "x-ignore-") {
			return errPolicyViolation("Extra input fields: " + name)
		}
	}
	return nil
}

// startsWith is the starts-with test; for Content-Type, a comma-separated
// list of types must each start with the prefix.
func startsWith(field, v, prefix string) bool {
	if field == "content-type" && strings.Contains(v, ",") {
		for _, t := range strings.Split(v, ",") {
			if !strings.HasPrefix(strings.TrimSpace(t), prefix) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(v, prefix)
}
