package policy

import "errors"

// Temporary placeholders so dependents compile while the engine is written;
// this file is deleted by the engine's first commit.

// Policy is a parsed, validated policy document.
type Policy struct{}

// Parse parses and validates doc under kind's rules.
func Parse(doc string, kind Kind) (*Policy, error) { return nil, errors.New("policy: not implemented") }

// Evaluate decides req against set.
func Evaluate(req *Request, set *Set) Decision { return Decision{} }

// Error is a refused policy document.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }
