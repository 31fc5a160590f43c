package kms

import (
	"bytes"
	"testing"
)

func testKey() *key {
	return &key{ID: newKeyID(), Account: "111111111111", Region: "us-east-1", State: stateEnabled, Material: newMaterial()}
}

// TestSealOpen: a blob opens only with its key and exactly its context.
func TestSealOpen(t *testing.T) {
	k, other := testKey(), testKey()
	ec := map[string]string{"a": "b", "c": "d"}
	blobBytes := seal(k, []byte("plain"), ec)
	b, err := parseBlob(blobBytes)
	if err != nil || b.keyID != k.ID {
		t.Fatalf("parseBlob: got %q %v, want key %s", b.keyID, err, k.ID)
	}
	if p, err := open(k, b, map[string]string{"c": "d", "a": "b"}); err != nil || string(p) != "plain" {
		t.Fatalf("open with the same context: %q %v", p, err)
	}
	for name, c := range map[string]map[string]string{
		"missing pair": {"a": "b"}, "extra pair": {"a": "b", "c": "d", "e": "f"}, "other value": {"a": "b", "c": "x"},
		// Length prefixes keep a key/value split from colliding.
		"shifted": {"a": "bc", "": "d"}, "none": nil,
	} {
		if _, err := open(k, b, c); err == nil {
			t.Errorf("open with context %s: no error", name)
		}
	}
	if _, err := open(other, b, ec); err == nil {
		t.Error("open with another key's material: no error")
	}
}

// TestCanonicalContextDistinct: different contexts never share bytes.
func TestCanonicalContextDistinct(t *testing.T) {
	cases := []map[string]string{nil, {"a": ""}, {"": "a"}, {"ab": "c"}, {"a": "bc"}, {"a": "b", "c": ""}, {"a": "b\x01c"}}
	for i := range cases {
		for j := range cases {
			if i != j && bytes.Equal(canonicalContext(cases[i]), canonicalContext(cases[j])) && (len(cases[i]) > 0 || len(cases[j]) > 0) {
				t.Errorf("contexts %v and %v encode alike", cases[i], cases[j])
			}
		}
	}
}

// FuzzParseBlob: the ciphertext blob parser never panics, accepts only
// what it can decrypt against, and a blob it accepts opens with no key
// but its own.
func FuzzParseBlob(f *testing.F) {
	k := testKey()
	f.Add(seal(k, []byte("seed"), map[string]string{"a": "b"}))
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(make([]byte, minBlobLen))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBlob(data)
		if err != nil {
			return
		}
		if len(b.nonce) != nonceLen || len(b.sealed) < tagLen || len(b.keyID) != 36 {
			t.Fatalf("accepted a malformed blob: nonce %d, sealed %d, id %q", len(b.nonce), len(b.sealed), b.keyID)
		}
		if _, ok := keyIDBytes(b.keyID); !ok {
			t.Fatalf("key id %q does not round-trip", b.keyID)
		}
		if b.keyID != k.ID {
			return
		}
		// Only what seal produced opens; a mutation of it does not.
		if p, err := open(k, b, map[string]string{"a": "b"}); err == nil && string(p) != "seed" {
			t.Fatalf("a modified blob opened to %q", p)
		}
	})
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		ref, acct, region, keyID, alias string
		bad                             bool
	}{
		{ref: "1234abcd-12ab-34cd-56ef-1234567890ab", acct: "111111111111", region: "us-east-1", keyID: "1234abcd-12ab-34cd-56ef-1234567890ab"},
		{ref: "arn:aws:kms:eu-west-1:222222222222:key/k1", acct: "222222222222", region: "eu-west-1", keyID: "k1"},
		{ref: "alias/app", acct: "111111111111", region: "us-east-1", alias: "alias/app"},
		{ref: "arn:aws:kms:us-east-1:222222222222:alias/app", acct: "222222222222", region: "us-east-1", alias: "alias/app"},
		{ref: "arn:aws:s3:::bucket", bad: true},
		{ref: "arn:aws:kms:us-east-1:2222:key/k", bad: true},
		{ref: "arn:aws:kms:us-east-1:222222222222:grant/x", bad: true},
		{ref: "alias/", bad: true},
		{ref: "", bad: true},
	} {
		p, err := parseRef(tc.ref, "111111111111", "us-east-1")
		if tc.bad {
			if err == nil {
				t.Errorf("parseRef(%q): no error", tc.ref)
			}
			continue
		}
		if err != nil || p.acct != tc.acct || p.region != tc.region || p.keyID != tc.keyID || p.alias != tc.alias {
			t.Errorf("parseRef(%q): got %+v %v", tc.ref, p, err)
		}
	}
}
