package awserr_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/xacct/xacct/emulator/awserr"
)

// carrier stands for an AWS error without being an *awserr.Error, as the
// template engine's errors do.
type carrier struct{ msg string }

func (c carrier) Error() string { return c.msg + " (at line 1)" }

func (c carrier) AWSError() (int, string, string) {
	return http.StatusBadRequest, "ValidationError", c.msg
}

func TestAsConvertsCarriers(t *testing.T) {
	err := fmt.Errorf("deploy: %w", carrier{"Template format error: bad"})
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("As(%v) found no AWS error", err)
	}
	if e.StatusCode != http.StatusBadRequest || e.Code != "ValidationError" || e.Message != "Template format error: bad" {
		t.Errorf("got %d %s %q, want 400 ValidationError %q", e.StatusCode, e.Code, e.Message, "Template format error: bad")
	}
	if !awserr.Is(err, "ValidationError") {
		t.Error("Is(err, ValidationError) = false, want true")
	}
	if got := awserr.From(fmt.Errorf("plain")); got.Code != "InternalError" {
		t.Errorf("From(plain error) = %s, want InternalError", got.Code)
	}
}
