package iam

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/policy"
)

//go:embed managed/*.json managed/path.txt
var managedFS embed.FS

// awsManagedPolicies loads the embedded AWS managed policies, keyed by ARN.
// They are the same in every account, as in AWS.
func awsManagedPolicies() map[string]*ManagedPolicy {
	paths, err := managedFS.ReadFile("managed/path.txt")
	if err != nil {
		panic(err) // embedded at build time
	}
	out := make(map[string]*ManagedPolicy)
	sc := bufio.NewScanner(strings.NewReader(string(paths)))
	for sc.Scan() {
		name, path, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		mp, err := loadManaged(name, path)
		if err != nil {
			panic(err) // embedded at build time; covered by tests
		}
		out[mp.ARN] = mp
	}
	return out
}

func loadManaged(name, path string) (*ManagedPolicy, error) {
	data, err := managedFS.ReadFile("managed/" + name + ".json")
	if err != nil {
		return nil, err
	}
	var f struct {
		VersionId  string
		CreateDate time.Time
		Document   json.RawMessage
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("managed policy %s: %w", name, err)
	}
	text := string(f.Document)
	parsed, err := policy.Parse(text, policy.KindIdentity)
	if err != nil {
		return nil, fmt.Errorf("managed policy %s: %w", name, err)
	}
	arn := "arn:aws:iam::aws:policy" + path + name
	return &ManagedPolicy{
		Account:    "aws",
		Path:       path,
		Name:       name,
		ID:         NewPolicyID(),
		ARN:        arn,
		CreateDate: f.CreateDate,
		UpdateDate: f.CreateDate,
		Versions: []PolicyVersion{{
			ID:         f.VersionId,
			Doc:        Doc{Text: text, parsed: parsed},
			IsDefault:  true,
			CreateDate: f.CreateDate,
		}},
	}, nil
}

var (
	awsManagedOnce sync.Once
	awsManaged     map[string]*ManagedPolicy
)

// AWSManagedPolicy returns the embedded AWS managed policy with the given
// ARN (arn:aws:iam::aws:policy/...), for static analysis outside the
// emulator.
func AWSManagedPolicy(arn string) (policy.Named, bool) {
	awsManagedOnce.Do(func() { awsManaged = awsManagedPolicies() })
	mp, ok := awsManaged[arn]
	if !ok {
		return policy.Named{}, false
	}
	return policy.Named{Name: mp.Name, Policy: mp.Default().Doc.Policy()}, true
}
