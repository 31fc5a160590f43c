package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

// Main holds the command's streams so tests can run it in-process.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
}

// NewMain returns a Main writing to the given streams.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdout: stdout, Stderr: stderr}
}

type command struct {
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

var commands = map[string]command{
	"demo":   {"run the cross-account scenario end to end on an embedded emulator", runDemo},
	"serve":  {"run the local AWS emulator as a server (default 127.0.0.1:4566)", runServe},
	"up":     {"build the functions and deploy deploy/target.yaml and deploy/home.yaml to an emulator", runUp},
	"invoke": {"invoke a function (name, ARN, STACK/ID; or --template T ID: deploy, then invoke) and print its result and logs", runInvoke},
	"deploy": {"package and deploy any CloudFormation/SAM template to an emulator (sam build && sam deploy)", runDeploy},
	"logs":   {"print or follow a function's CloudWatch Logs (sam logs --tail)", runLogs},
	"copy":   {"copy a prefix between buckets (across accounts with --role-arn), with a progress bar", runCopy},
	"check":  {"check templates: can each function assume its roles and reach its buckets? what is too broad?", runCheck},
	"assume": {"print credentials for a role as shell exports or credential_process JSON (cached)", runAssume},
	"why":    {"show a running emulator's recent refused requests and why each was refused", runWhy},
}

// Run dispatches args[0] to its subcommand. A usage error (exit 2 in
// main) is a *usageError; help asked for is flag.ErrHelp (exit 0).
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stderr)
		return usagef("a command is missing")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		m.usage(m.Stdout)
		return nil
	case "version", "-version", "--version":
		if len(args) > 1 {
			return usagef("version: unexpected argument %q", args[1])
		}
		fmt.Fprintln(m.Stdout, version())
		return nil
	case "help":
		switch len(args) {
		case 1:
			m.usage(m.Stdout)
			return nil
		case 2:
			if args[1] == "version" || args[1] == "help" {
				m.usage(m.Stdout)
				return nil
			}
			c, ok := commands[args[1]]
			if !ok {
				m.usage(m.Stderr)
				return usagef("help: unknown command %q", args[1])
			}
			if err := c.run(ctx, m, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
				return err
			}
			return nil
		}
		return usagef("help: unexpected argument %q (xacct help COMMAND)", args[2])
	}
	c, ok := commands[args[0]]
	if !ok {
		m.usage(m.Stderr)
		return usagef("unknown command %q", args[0])
	}
	return c.run(ctx, m, args[1:])
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: xacct <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n  %-8s %s\n", "help", "xacct help COMMAND describes a command and its flags", "version", "print the version of this build")
}
