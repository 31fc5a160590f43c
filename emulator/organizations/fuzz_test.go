package organizations

import (
	"errors"
	"testing"

	"github.com/xacct/xacct/emulator/awserr"
)

// FuzzParseContent: any policy document, of either type, is accepted or
// refused with an AWS error (MalformedPolicyDocumentException or
// ConstraintViolationException), never a panic; an accepted RCP has only
// Deny statements.
func FuzzParseContent(f *testing.F) {
	f.Add(typeSCP, fullSCP.Content)
	f.Add(typeRCP, fullRCP.Content)
	f.Add(typeRCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}]}`)
	f.Add(typeSCP, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*"}}`)
	f.Add(typeRCP, `{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"*"}]}`)
	f.Fuzz(func(t *testing.T, typ, content string) {
		if typ != typeRCP {
			typ = typeSCP
		}
		p, err := parseContent(typ, content)
		if err != nil {
			var e *awserr.Error
			if !errors.As(err, &e) || (e.Code != "MalformedPolicyDocumentException" && e.Code != "ConstraintViolationException") {
				t.Fatalf("refusal %v is not an Organizations error", err)
			}
			return
		}
		if typ == typeRCP {
			for _, st := range p.Statements() {
				if st.Effect != "Deny" {
					t.Fatalf("RCP accepted with effect %q", st.Effect)
				}
			}
		}
	})
}
