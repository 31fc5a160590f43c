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
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func runInvoke(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	event := fs.String("event", "", "`FILE` holding the JSON event (default {}; - reads stdin)")
	d := deployTarget{warn: m.Stderr}
	d.flags(fs)
	template := fs.String("template", "", "deploy `TEMPLATE` to its scratch stack first and invoke its function LOGICAL_ID (the sam local invoke workflow)")
	envVars := fs.String("env-vars", "", "with --template: SAM CLI's environment overrides `FILE` ({\"Parameters\": {...}, \"LogicalId\": {\"VAR\": \"value\"}})")
	params := kv{}
	fs.Var(params, "param", "with --template: template parameter `KEY=VALUE` (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct invoke NAME|ARN|STACK/LOGICAL_ID [--event FILE]
       xacct invoke --template TEMPLATE LOGICAL_ID [--event FILE] [--env-vars FILE] [--param K=V]...

Invokes a deployed function on the emulator and prints its result, then the
log lines of the invocation (START, the function's own lines, END, REPORT).
Exits non-zero when the function returned an error. The function is a name,
an ARN, or STACK/LOGICAL_ID (a function resource of a deployed stack).

With --template, it is the "sam local invoke" workflow with the function's
real execution role and IAM enforced: the template is packaged and deployed
(created or updated) as the scratch stack xacct-invoke-STEM-HASH (STEM as
xacct deploy names stacks, HASH from the template's absolute path), build
and stack events on stderr, then LOGICAL_ID is invoked. --env-vars takes SAM
CLI's file: "Parameters" for every function, a logical id's object for one;
only variables the template declares are overridden, as in SAM CLI.

flags:`)
		fs.PrintDefaults()
	}
	// Flags may come before or after the function.
	pos, err := m.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("invoke: unexpected argument %q (one function, then flags; an event file goes in --event FILE)", pos[1])
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	if name == "" {
		if *template != "" {
			return usagef("invoke: the function's logical id is missing: xacct invoke --template TEMPLATE LOGICAL_ID (xacct help invoke)")
		}
		return usagef("invoke: the function name is missing: xacct invoke NAME [--event FILE] (xacct help invoke)")
	}
	if *template == "" && (*envVars != "" || len(params) > 0) {
		return usagef("invoke: --env-vars and --param need --template (they apply to the template's scratch stack)")
	}
	if err := d.validate("invoke"); err != nil {
		return err
	}
	payload := []byte("{}")
	if *event != "" {
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
	if err := probeEmulator(ctx, d.endpoint); err != nil {
		return err
	}
	if *template != "" {
		name, err = deployForInvoke(ctx, m.Stderr, &d, *template, name, *envVars, params)
	} else {
		name, err = resolveStackFunction(ctx, &d, name)
	}
	if err != nil {
		return err
	}
	c := lambda.NewFromConfig(d.config())
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
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); ok {
		fmt.Fprintf(m.Stdout, "\nrequest id: %s\n", id)
		printInvocationDenials(ctx, m, d.endpoint, id)
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
