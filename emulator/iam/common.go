package iam

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// callerAccount is the account an IAM call acts in: the caller's own.
func callerAccount(ctx context.Context) string {
	if c := service.FromContext(ctx); c != nil {
		return c.Caller.Account()
	}
	return ""
}

// parseDoc parses and validates a policy document, turning the policy
// package's refusal into IAM's error.
func parseDoc(text string, kind policy.Kind) (Doc, error) {
	p, err := policy.Parse(text, kind)
	if err != nil {
		return Doc{}, policyError(err)
	}
	return Doc{Text: text, parsed: p}, nil
}

// encodeDoc URL-encodes a policy document as IAM returns documents
// (IAM API Reference: "The policy document returned in this structure is
// URL-encoded compliant with RFC 3986").
func encodeDoc(text string) string {
	return strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// paginate returns the page of items after marker, at most max (default 100).
func paginate[T any](items []T, p Page) (page []T, truncated bool, next string, err error) {
	start, ok := paging.Offset(p.Marker)
	if !ok || start > len(items) {
		return nil, false, "", invalidInput("Invalid Marker.")
	}
	max := 100
	if p.MaxItems != nil {
		max = int(*p.MaxItems)
	}
	if max < 1 {
		return nil, false, "", validationError("maxItems", strconv.Itoa(max), "have value greater than or equal to 1")
	}
	if max > 1000 {
		return nil, false, "", validationError("maxItems", strconv.Itoa(max), "have value less than or equal to 1000")
	}
	page, next = paging.Page(items, start, max)
	if next == "" {
		return append(make([]T, 0, len(page)), page...), false, "", nil
	}
	return page, true, next, nil
}

func roleARN(acct, path, name string) string {
	return "arn:aws:iam::" + acct + ":role" + normPath(path) + name
}

func userARN(acct, path, name string) string {
	return "arn:aws:iam::" + acct + ":user" + normPath(path) + name
}

func policyARN(acct, path, name string) string {
	return "arn:aws:iam::" + acct + ":policy" + normPath(path) + name
}
