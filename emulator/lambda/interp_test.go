package lambda

import (
	"reflect"
	"strings"
	"testing"
)

func TestFamilyClosestFirst(t *testing.T) {
	for rt, want := range map[string][]string{
		"python3.12": {"python3.13", "python3.11", "python3.10", "python3.9"},
		"python3.9":  {"python3.10", "python3.11", "python3.12", "python3.13"},
		"nodejs18.x": {"nodejs20.x", "nodejs22.x"},
		"nodejs20.x": {"nodejs22.x", "nodejs18.x"},
	} {
		if got := family(rt); !reflect.DeepEqual(got, want) {
			t.Errorf("family(%s) = %v, want %v", rt, got, want)
		}
	}
}

func TestParseRuntimes(t *testing.T) {
	got, err := ParseRuntimes([]string{"python3.12=/usr/bin/python3.12", " nodejs22.x=/opt/node/bin/node ", ""})
	if err != nil || got["python3.12"] != "/usr/bin/python3.12" || got["nodejs22.x"] != "/opt/node/bin/node" || len(got) != 2 {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"python3.12", "python3.12=", "ruby3.3=/usr/bin/ruby", "provided.al2023=/bin/sh"} {
		if _, err := ParseRuntimes([]string{bad}); err == nil || !strings.Contains(err.Error(), "runtime interpreter") {
			t.Errorf("%q: got %v, want an error", bad, err)
		}
	}
}
