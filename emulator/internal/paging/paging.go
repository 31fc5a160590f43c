// Package paging is the services' list paging: one opaque token (IAM's
// Marker, NextToken elsewhere) that carries the offset of the next page,
// and the slicing of a sorted list into pages. Each service keeps its own
// page sizes and error for a bad token, since those are part of its API.
package paging

import (
	"encoding/base64"
	"strconv"
	"strings"
)

const prefix = "xacct:"

// Token returns the token of the page starting at offset.
func Token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(offset)))
}

// Offset returns the offset token points at: 0 for "" (the first page).
// ok is false when token was not made by Token.
func Offset(token string) (offset int, ok bool) {
	if token == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[len(prefix):]))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Page returns at most size items from start (clamped to len(items)) and
// the token of the next page, "" when this page is the last.
func Page[T any](items []T, start, size int) (page []T, next string) {
	start = min(start, len(items))
	end := min(start+size, len(items))
	if end < len(items) {
		next = Token(end)
	}
	return items[start:end], next
}
