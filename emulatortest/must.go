package emulatortest

import "testing"

// Must is for setup calls whose failure makes the rest of a test
// meaningless: it returns a function that stops the test with the error,
// from the caller's line, if err is not nil, and otherwise returns v.
//
//	emulatortest.Must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}))(t)
//	out := emulatortest.Must(c.CreateRole(ctx, in))(t)
//
// Call it from the test's goroutine only (it calls t.Fatalf).
func Must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		return v
	}
}
