package integration

import (
	"strings"
	"testing"
)

// TestIAMPaginatorsBoto3: boto3's IAM paginators end and see every item
// once when a list is longer than a page (the marker advances).
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html (Marker, MaxItems)
func TestIAMPaginatorsBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/iam_paging.py")
	want := "roles 105/105 in 2 pages\nroles by 10 105/105 in 11 pages\nusers by 1 3/3 in 3 pages"
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
