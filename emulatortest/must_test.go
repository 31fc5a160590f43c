package emulatortest_test

import (
	"errors"
	"testing"

	"github.com/xacct/xacct/emulatortest"
)

// fakeT records what Must does with a test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestMust(t *testing.T) {
	ft := &fakeT{}
	if got := emulatortest.Must(42, nil)(ft); got != 42 || ft.failed {
		t.Errorf("Must(42, nil) = %d, failed %v; want 42, not failed", got, ft.failed)
	}
	emulatortest.Must(0, errors.New("AccessDenied"))(ft)
	if !ft.failed {
		t.Error("Must(_, err) did not fail the test")
	}
}
