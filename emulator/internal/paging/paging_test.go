package paging

import (
	"slices"
	"testing"
)

func TestPages(t *testing.T) {
	items := []int{0, 1, 2, 3, 4}
	var got []int
	tok, pages := "", 0
	for {
		start, ok := Offset(tok)
		if !ok {
			t.Fatalf("Offset(%q) refused a token Page made", tok)
		}
		page, next := Page(items, start, 2)
		got = append(got, page...)
		pages++
		if next == "" {
			break
		}
		tok = next
	}
	if !slices.Equal(got, items) || pages != 3 {
		t.Errorf("got %v in %d pages, want %v in 3", got, pages, items)
	}
}

func TestOffsetRefusesForeignTokens(t *testing.T) {
	for _, tok := range []string{"bogus", "2", "!!", Token(-1)} {
		if _, ok := Offset(tok); ok {
			t.Errorf("Offset(%q): ok, want refused", tok)
		}
	}
}

func TestPageClampsStart(t *testing.T) {
	page, next := Page([]string{"a"}, 5, 10)
	if len(page) != 0 || next != "" {
		t.Errorf("got %v %q, want an empty last page", page, next)
	}
}
