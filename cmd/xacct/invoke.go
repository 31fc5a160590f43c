package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func runInvoke(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	event := fs.String("event", "", "`FILE` holding the JSON event (default {}; - reads stdin)")
	endpoint := fs.String("endpoint", defaultEndpoint(), "emulator `URL`")
	account := fs.String("account", "111111111111", "account the function is in (its root credentials are used)")
	region := fs.String("region", "us-east-1", "region")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct invoke NAME [--event FILE]

Invokes a deployed function on the emulator and prints its result, then the
log lines of the invocation (START, the function's own lines, END, REPORT).
Exits non-zero when the function returned an error.

flags:`)
		fs.PrintDefaults()
	}
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := m.parse(fs, rest); err != nil {
		return err
	}
	extra := fs.Args()
	if name == "" && len(extra) > 0 {
		name, extra = extra[0], extra[1:]
	}
	if len(extra) > 0 {
		return usagef("invoke: unexpected argument %q (one function name, then flags)", extra[0])
	}
	if name == "" {
		return usagef("invoke: the function name is missing: xacct invoke NAME [--event FILE] (xacct help invoke)")
	}
	payload := []byte("{}")
	if *event != "" {
		var err error
		if *event == "-" {
			payload, err = io.ReadAll(os.Stdin)
		} else {
			payload, err = os.ReadFile(*event)
		}
		if err != nil {
			return err
		}
		if !json.Valid(payload) {
			return fmt.Errorf("invoke: %s is not valid JSON", *event)
		}
	}
	if err := probeEmulator(ctx, *endpoint); err != nil {
		return err
	}
	c := lambda.NewFromConfig(emulatorConfig(*endpoint, *account, *region))
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload, LogType: lambdatypes.LogTypeTail})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", name, err)
	}
	var pretty any
	if json.Unmarshal(out.Payload, &pretty) == nil {
		b, _ := json.MarshalIndent(pretty, "", "  ")
		fmt.Fprintf(m.Stdout, "%s\n", b)
	} else {
		fmt.Fprintf(m.Stdout, "%s\n", out.Payload)
	}
	if tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult)); err == nil && len(tail) > 0 {
		fmt.Fprintf(m.Stdout, "\nlogs:\n%s", indent(string(tail)))
	}
	if fe := aws.ToString(out.FunctionError); fe != "" {
		return fmt.Errorf("%s returned an error (%s)", name, fe)
	}
	return nil
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}
