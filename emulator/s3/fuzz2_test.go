package s3

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xacct/xacct/policy"
)

func FuzzACLBody(f *testing.F) {
	f.Add(`<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`)
	f.Add(`<AccessControlPolicy><Owner>`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := http.NewRequest("PUT", "http://x/b/k?acl", strings.NewReader(body))
		if err != nil {
			return
		}
		q := &request{r: r, call: &callStub}
		acl, ok, err := readACLBody(q, "111111111111", "222222222222")
		if err != nil && ok {
			t.Fatalf("%q: error %v with a body", body, err)
		}
		if acl.public && !acl.others {
			t.Fatalf("%q: public without granting to others", body)
		}
	})
}

func FuzzIsPublic(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"1"},"Action":"s3:*","Resource":"*"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := policy.Parse(doc, policy.KindResource)
		if err != nil {
			return
		}
		isPublic(p)
	})
}
