// This file holds the request checks AssumeRole and GetSessionToken share.

package sts

import (
	"strings"
	"unicode"
)

// checkChars reports whether every byte of v is a word character or in extra.
func checkChars(v, extra string) bool {
	for _, r := range v {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || strings.ContainsRune(extra, r))) {
			return false
		}
	}
	return true
}

// packedSize is the packed size of session policies and tags as a
// percentage of STS's limit (STS API Reference, AssumeRole:
// PackedPolicySize). The limit is an approximation of AWS's compressed
// binary format: 2,048 characters of policy text without whitespace.
func packedSize(policyText string, arns []string, tags []Tag) int32 {
	n := 0
	for _, r := range policyText {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	for _, a := range arns {
		n += len(a)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	// Rounded up: anything packed uses at least 1%.
	return int32((n*100 + 2047) / 2048)
}

// roleFromARN splits arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func roleFromARN(arn string) (acct, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", false
	}
	if len(parts[4]) != 12 || !isDigits(parts[4]) {
		return "", "", false
	}
	res := parts[5]
	name = res[strings.LastIndexByte(res, '/')+1:]
	return parts[4], name, name != ""
}
