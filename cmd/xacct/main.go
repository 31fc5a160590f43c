// Command xacct runs the local AWS emulator, deploys and checks the cross-account
// templates, and demonstrates the whole system.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := NewMain(os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(os.Stderr, err))
}
