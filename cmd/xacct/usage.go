package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// usageError is a command line the command cannot run: a missing or
// extra argument, an unknown flag or command. main exits 2 for it, as
// the flag package and most Unix tools do, and 1 for a command that ran
// and failed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode reports the process exit status for Run's result, writing the
// error, if any, to stderr: 0 for success and for help asked with -h,
// 2 for a usage error, 1 otherwise.
func exitCode(stderr io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintln(stderr, "xacct:", ue.msg)
		}
		return 2
	}
	fmt.Fprintln(stderr, "xacct:", err)
	return 1
}

// wantsHelp reports whether args ask for help (-h, -help, --help) before
// any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parse parses a subcommand's flags: help asked for goes to stdout and is
// flag.ErrHelp (exit 0); a bad flag is a usage error (the flag package has
// printed what was wrong and the usage to stderr).
func (m *Main) parse(fs *flag.FlagSet, args []string) error {
	if wantsHelp(args) {
		fs.SetOutput(m.Stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	fs.SetOutput(m.Stderr)
	if err := fs.Parse(args); err != nil {
		return &usageError{}
	}
	return nil
}

// noArgs refuses the positional arguments left after parsing.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (%s takes flags only; see xacct help %s)", fs.Name(), fs.Arg(0), fs.Name(), fs.Name())
	}
	return nil
}

// version describes this build: the module version, the VCS revision and
// the Go toolchain, from the build information the Go linker embeds.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "xacct (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	out := "xacct " + v
	if rev != "" {
		out += " " + rev + modified
	}
	return out + " " + bi.GoVersion
}

// noEmulatorError says that nothing listens at the endpoint.
func noEmulatorError(url string) error {
	return fmt.Errorf("no emulator at %s: start `xacct serve` or set AWS_ENDPOINT_URL", url)
}

// isDialError reports whether err is a failure to connect (nothing
// listening, host unreachable, a name that does not resolve).
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// probeEmulator checks that an xacct emulator answers at url before a
// command sends it work: nothing listening is "no emulator at URL", and a
// server that answers but is not the emulator is named as such. The probe
// is an unsigned POST, which the emulator refuses with a message naming
// itself.
func probeEmulator(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(url, "/")+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if isDialError(err) {
			return noEmulatorError(url)
		}
		return fmt.Errorf("the server at %s did not answer as the xacct emulator would: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if strings.Contains(string(body), "xacct emulator") {
		return nil
	}
	server := resp.Header.Get("Server")
	if server != "" {
		server = ", Server: " + server
	}
	return fmt.Errorf("the server at %s is not an xacct emulator (it answered %s%s): start `xacct serve` or set AWS_ENDPOINT_URL to the emulator's URL", url, resp.Status, server)
}

// endpointError turns a failure to reach AWS_ENDPOINT_URL into the "no
// emulator" message; other errors pass unchanged.
func endpointError(err error) error {
	if u := os.Getenv("AWS_ENDPOINT_URL"); u != "" && isDialError(err) {
		return fmt.Errorf("%w\n(%v)", noEmulatorError(u), err)
	}
	return err
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func (m *Main) parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	rest := args
	for {
		if err := m.parse(fs, rest); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}
