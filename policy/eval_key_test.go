package policy

import "testing"

// TestEvaluateKeyPolicies: a KMS key policy is the primary authority over
// its key. In the key's account an identity policy counts only where the
// key policy names the account; across accounts both must allow; a grant
// allows its grantee on its own (AWS KMS Developer Guide, "Key policies in
// AWS KMS", "Allowing users in other accounts to use a KMS key", "Grants
// in AWS KMS").
func TestEvaluateKeyPolicies(t *testing.T) {
	const keyARN = "arn:aws:kms:us-east-1:111111111111:key/k"
	keyPolicy := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"kms:*","Resource":"*"}]}`
	}
	mustKey := func(doc string) *Named {
		p, err := Parse(doc, KindKey)
		if err != nil {
			t.Fatalf("Parse %s: %v", doc, err)
		}
		return &Named{Name: "key policy", Policy: p}
	}
	grantFor := func(principal, action string) []Named {
		return []Named{*mustKey(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"` + action + `","Resource":"*"}]}`)}
	}
	identity := func(doc string) []Named {
		p, err := Parse(doc, KindIdentity)
		if err != nil {
			t.Fatal(err)
		}
		return []Named{{Name: "id", Policy: p}}
	}
	allowKMS := identity(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`)
	denyKMS := identity(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`)
	for _, tc := range []struct {
		name    string
		pr      Principal
		id      []Named
		key     string
		grants  []Named
		want    Effect
		missing []Source
	}{
		{name: "delegated to the account, identity allows", pr: alice, id: allowKMS, key: homeRoot, want: Allow},
		{name: "delegated to the account, no identity policy", pr: alice, key: homeRoot, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "not delegated: identity policy does not count", pr: alice, id: allowKMS, key: `{"AWS":"arn:aws:iam::111111111111:user/bob"}`, want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "key policy names the user", pr: alice, key: alicePrincipal, want: Allow},
		{name: "key policy names the role", pr: execSession, key: execPrincipal, want: Allow},
		{name: "cross account: both allow", pr: targetSession, id: allowKMS, key: `{"AWS":"arn:aws:iam::222222222222:root"}`, want: Allow},
		{name: "cross account: no identity policy", pr: targetSession, key: `{"AWS":"arn:aws:iam::222222222222:root"}`, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "cross account: key policy names the role, no identity policy", pr: targetSession, key: targetRolePrinc, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "cross account: key policy silent", pr: targetSession, id: allowKMS, key: homeRoot, want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "grant to the role across accounts", pr: targetSession, key: homeRoot, grants: grantFor(targetRolePrinc, "kms:Decrypt"), want: Allow},
		{name: "grant for another operation", pr: targetSession, key: homeRoot, grants: grantFor(targetRolePrinc, "kms:Encrypt"), want: ImplicitDeny},
		{name: "explicit deny beats a grant", pr: targetSession, id: denyKMS, key: homeRoot, grants: grantFor(targetRolePrinc, "kms:Decrypt"), want: ExplicitDeny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Action: "kms:Decrypt", Resource: keyARN, ResourceAccount: "111111111111", Principal: tc.pr}
			d := Evaluate(req, &Set{Identity: tc.id, Resource: mustKey(keyPolicy(tc.key)), Grants: tc.grants})
			if d.Effect != tc.want {
				t.Fatalf("got %v, want %v (%s)", d.Effect, tc.want, d.Explain())
			}
			if tc.missing != nil && (len(d.Missing) != len(tc.missing) || d.Missing[0] != tc.missing[0]) {
				t.Errorf("missing: got %v, want %v", d.Missing, tc.missing)
			}
		})
	}
}
