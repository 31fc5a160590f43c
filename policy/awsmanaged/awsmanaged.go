// Package awsmanaged is the catalogue of AWS managed policies xacct knows
// (the ones the seeds and templates attach), as AWS publishes them: name,
// path, ARN, default version and document. It is data only; the emulated IAM
// serves these policies in every account, and `xacct check` evaluates them
// with the policy engine.
//
//	p, ok := awsmanaged.Lookup("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
//	if ok {
//		doc, err := policy.Parse(p.Document, policy.KindIdentity)
//		...
//	}
package awsmanaged

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

//go:embed policies/*.json policies/path.txt
var files embed.FS

// Policy is one AWS managed policy at its default version.
type Policy struct {
	// Name is the policy name, e.g. "AWSLambdaBasicExecutionRole".
	Name string
	// Path is the policy path, e.g. "/service-role/".
	Path string
	// ARN is arn:aws:iam::aws:policy followed by Path and Name.
	ARN string
	// VersionID is the default version, e.g. "v1".
	VersionID string
	// CreateDate is when AWS created that version.
	CreateDate time.Time
	// Document is the policy document as JSON text.
	Document string
}

// All returns every policy of the catalogue, in the order of
// policies/path.txt. An error means the embedded data is broken (a test
// guards against it).
func All() ([]Policy, error) {
	paths, err := files.ReadFile("policies/path.txt")
	if err != nil {
		return nil, err
	}
	var out []Policy
	sc := bufio.NewScanner(strings.NewReader(string(paths)))
	for sc.Scan() {
		name, path, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		p, err := load(name, path)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// Lookup returns the policy with the given ARN
// (arn:aws:iam::aws:policy/...), and false if the catalogue lacks it.
func Lookup(arn string) (Policy, bool) {
	all, err := All()
	if err != nil {
		return Policy{}, false
	}
	for _, p := range all {
		if p.ARN == arn {
			return p, true
		}
	}
	return Policy{}, false
}

// load reads the file of policy name, which lives under path.
func load(name, path string) (Policy, error) {
	data, err := files.ReadFile("policies/" + name + ".json")
	if err != nil {
		return Policy{}, err
	}
	var f struct {
		VersionId  string
		CreateDate time.Time
		Document   json.RawMessage
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return Policy{}, fmt.Errorf("managed policy %s: %w", name, err)
	}
	return Policy{
		Name:       name,
		Path:       path,
		ARN:        "arn:aws:iam::aws:policy" + path + name,
		VersionID:  f.VersionId,
		CreateDate: f.CreateDate,
		Document:   string(f.Document),
	}, nil
}
