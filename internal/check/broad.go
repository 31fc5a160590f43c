package check

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// statements returns a policy document's statements as maps.
func statements(doc string) []map[string]any {
	var d struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	var list []map[string]any
	if json.Unmarshal(d.Statement, &list) == nil {
		return list
	}
	var one map[string]any
	if json.Unmarshal(d.Statement, &one) == nil {
		return []map[string]any{one}
	}
	return nil
}

// strs reads a string-or-list element.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// conditionValues returns the values the document's conditions test for
// key (lower case), under any operator.
func conditionValues(doc, key string) []string {
	var out []string
	for _, st := range statements(doc) {
		cond, _ := st["Condition"].(map[string]any)
		for _, block := range cond {
			m, _ := block.(map[string]any)
			for k, v := range m {
				if strings.ToLower(k) == key {
					out = append(out, strs(v)...)
				}
			}
		}
	}
	return out
}

func hasConditionKey(st map[string]any, keys ...string) bool {
	cond, _ := st["Condition"].(map[string]any)
	for _, block := range cond {
		m, _ := block.(map[string]any)
		for k := range m {
			for _, want := range keys {
				if strings.EqualFold(k, want) {
					return true
				}
			}
		}
	}
	return false
}

// broadManaged are AWS managed policies far broader than a cross-account
// function needs.
var broadManaged = map[string]string{
	"arn:aws:iam::aws:policy/AdministratorAccess": "full access to every service",
	"arn:aws:iam::aws:policy/AmazonS3FullAccess":  "every S3 action on every bucket",
	"arn:aws:iam::aws:policy/IAMFullAccess":       "every IAM action",
	"arn:aws:iam::aws:policy/PowerUserAccess":     "every service but IAM",
}

// broad flags permissions broader than needed (warnings).
func (a *analysis) broad() {
	arns := make([]string, 0, len(a.m.roles))
	for arn := range a.m.roles {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		r := a.m.roles[arn]
		warn := func(code, msg string) {
			a.add(Finding{Severity: Warning, Code: code, Role: r.arn, Template: r.file, Resource: r.id, Message: msg})
		}
		for _, m := range r.managed {
			if why, ok := broadManaged[m]; ok {
				warn("BroadManagedPolicy", fmt.Sprintf("%s has %s attached: %s; grant the actions and buckets it uses instead", r.arn, m[strings.LastIndex(m, "/")+1:], why))
			}
		}
		for _, d := range r.inline {
			for _, st := range statements(d.doc) {
				if st["Effect"] != "Allow" {
					continue
				}
				actions, resources := strs(st["Action"]), strs(st["Resource"])
				for _, act := range actions {
					switch {
					case act == "*" || strings.HasSuffix(act, ":*"):
						warn("BroadAction", fmt.Sprintf("policy %s of %s allows %q; list the actions the code calls", d.name, r.arn, act))
					case strings.EqualFold(act, "sts:AssumeRole"):
						if k := scopedToResourceOwner(st); k != "" {
							a.ok("%s: policy %s allows sts:AssumeRole on %s only where %s matches", r.arn, d.name, strings.Join(resources, ", "), k)
							break
						}
						for _, res := range resources {
							if res == "*" || strings.HasPrefix(res, "arn:aws:iam::*:") || strings.HasPrefix(res, "arn:*:iam::*:") || strings.HasSuffix(res, ":role/*") {
								warn("BroadAssumeRole", fmt.Sprintf("policy %s of %s allows sts:AssumeRole on %q: any role in %s that trusts this account; name the exact role ARN", d.name, r.arn, res, accountsOf(res)))
							}
						}
					}
				}
			}
		}
		for _, st := range statements(r.trust) {
			if st["Effect"] != "Allow" {
				continue
			}
			pr, _ := st["Principal"].(map[string]any)
			var aws []string
			if s, ok := st["Principal"].(string); ok && s == "*" {
				aws = []string{"*"}
			} else {
				aws = strs(pr["AWS"])
			}
			for _, p := range aws {
				whole := p == "*" || strings.HasSuffix(p, ":root") || (len(p) == 12 && strings.Trim(p, "0123456789") == "")
				if whole && !hasConditionKey(st, "sts:ExternalId", "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:SourceIdentity") {
					warn("BroadTrust", fmt.Sprintf("the trust policy of %s trusts %s as a whole for sts:AssumeRole, without sts:ExternalId or aws:PrincipalArn: any role or user there with sts:AssumeRole permission may assume it", r.arn, p))
				}
			}
		}
	}
}

func accountsOf(res string) string {
	if strings.Contains(res, "::*:") || res == "*" {
		return "any account"
	}
	return "the account"
}

// scopedToResourceOwner returns the condition key of st that limits it to
// roles of named accounts or organizations (aws:ResourceOrgID,
// aws:ResourceOrgPaths, aws:ResourceAccount): a role name in every account
// is then not "any role in any account".
func scopedToResourceOwner(st map[string]any) string {
	cond, _ := st["Condition"].(map[string]any)
	for _, byKey := range cond {
		keys, _ := byKey.(map[string]any)
		for k := range keys {
			switch strings.ToLower(k) {
			case "aws:resourceorgid", "aws:resourceorgpaths", "aws:resourceaccount":
				return k
			}
		}
	}
	return ""
}
