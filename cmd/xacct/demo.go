package main

import (
	"context"
	"fmt"
)

func runDemo(ctx context.Context, m *Main, args []string) error {
	fmt.Fprintln(m.Stdout, "xacct demo: the emulator and templates are not built yet; see docs/.")
	return nil
}
