package iam

import (
	"crypto/rand"
	"strings"
)

// Unique-id prefixes IAM uses (IAM User Guide, "IAM identifiers": "Unique
// identifiers").
const (
	prefixRole      = "AROA"
	prefixUser      = "AIDA"
	prefixPolicy    = "ANPA"
	prefixAccessKey = "AKIA"
	prefixSession   = "ASIA"
	prefixGroup     = "AGPA"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns prefix followed by n random characters from IAM's alphabet
// (upper-case letters and digits 2-7, as in the base32 ids AWS issues).
func NewID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	var s strings.Builder
	s.Grow(len(prefix) + n)
	s.WriteString(prefix)
	for _, c := range b {
		s.WriteByte(idAlphabet[int(c)%len(idAlphabet)])
	}
	return s.String()
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewSecret returns a 40-character secret access key.
func NewSecret() string {
	b := make([]byte, 40)
	rand.Read(b)
	for i, c := range b {
		b[i] = secretAlphabet[int(c)%len(secretAlphabet)]
	}
	return string(b)
}

// NewRoleID returns a role unique id (AROA + 17 characters).
func NewRoleID() string { return NewID(prefixRole, 17) }

// NewUserID returns a user unique id (AIDA + 17 characters).
func NewUserID() string { return NewID(prefixUser, 17) }

// NewPolicyID returns a managed policy id (ANPA + 17 characters).
func NewPolicyID() string { return NewID(prefixPolicy, 17) }

// NewAccessKeyID returns a long-term access key id (AKIA + 16 characters).
func NewAccessKeyID() string { return NewID(prefixAccessKey, 16) }

// NewSessionKeyID returns a temporary access key id (ASIA + 16 characters).
func NewSessionKeyID() string { return NewID(prefixSession, 16) }
