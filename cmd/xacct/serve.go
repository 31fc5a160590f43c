package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/console"
	"github.com/xacct/xacct/emulator/expect"
	"github.com/xacct/xacct/emulator/lambda"
)

// trailDefault is the decision trail's default size (the emulator's).
const trailDefault = 10000

func runServe(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", emulator.DefaultAddr, "address to listen on")
	dataDir := fs.String("data-dir", "", "keep state in `DIR` across restarts (default: memory only)")
	region := fs.String("region", "us-east-1", "default region")
	quiet := fs.Bool("quiet", false, "do not log each request")
	var runtimes []string
	fs.Func("runtime", "run Lambda runtime `RUNTIME=PATH` with the interpreter at PATH, e.g. python3.12=/usr/bin/python3.12 (repeatable; also "+lambda.RuntimesEnv+"=RUNTIME=PATH,...)", func(v string) error {
		if _, err := lambda.ParseRuntimes([]string{v}); err != nil {
			return err
		}
		runtimes = append(runtimes, v)
		return nil
	})
	decisions := fs.Int("decisions", trailDefault, "keep the last `N` authorization decisions in the decision trail (xacct why, GET /_xacct/decisions); 0 turns it off")
	var layers [][2]string
	fs.Func("layer-dir", "register `ARN=DIR`, a local directory, as the Lambda layer version ARN (a public layer such as Powertools); repeatable", func(v string) error {
		arn, dir, ok := strings.Cut(v, "=")
		if !ok || arn == "" || dir == "" {
			return fmt.Errorf("want ARN=DIR, e.g. arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40=./powertools")
		}
		layers = append(layers, [2]string{arn, dir})
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: xacct serve [--addr 127.0.0.1:4566] [--data-dir DIR] [--runtime RUNTIME=PATH]... [--layer-dir ARN=DIR]...\n\nRuns the local AWS emulator. Point any SDK at it with AWS_ENDPOINT_URL=http://ADDR;\nroot credentials of an account are its 12-digit id with secret \"test\".\n\nflags:")
		fs.PrintDefaults()
	}
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *decisions < 0 {
		return usagef("serve: --decisions must be 0 (off) or more (got %d)", *decisions)
	}
	opts := []emulator.Option{emulator.WithRegion(*region), emulator.WithDecisions(*decisions)}
	if len(runtimes) > 0 {
		rt, _ := lambda.ParseRuntimes(runtimes)
		opts = append(opts, emulator.WithLambdaRuntimes(rt))
	}
	if *dataDir != "" {
		opts = append(opts, emulator.WithDataDir(*dataDir))
	}
	// With --quiet, warnings still show: what opening the data dir
	// recovered or dropped, and internal errors.
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	opts = append(opts, emulator.WithLogger(slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))))
	emu, err := emulator.New(opts...)
	if err != nil {
		return err
	}
	defer emu.Close()
	for _, l := range layers {
		if err := emu.Lambda().RegisterLayerDir(l[0], l[1]); err != nil {
			return fmt.Errorf("--layer-dir %s=%s: %w", l[0], l[1], err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	emu.SetEndpoint("http://" + ln.Addr().String())
	srv := newHTTPServer(emu)
	fmt.Fprintf(m.Stderr, "xacct emulator listening on http://%s\n", ln.Addr())
	fmt.Fprintf(m.Stderr, "web console: http://%s%s\n", ln.Addr(), console.Prefix)
	errc := make(chan error, 1)
	// expect.Listener: an unknown Expect value is processed, as S3 does,
	// instead of net/http's bare 417.
	go func() { errc <- srv.Serve(expect.Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return shutdown(emu, srv, errc, 5*time.Second)
	}
}

// shutdown stops `xacct serve` in two phases: nothing new starts (alarm
// evaluation, SNS deliveries and retries, Lambda invocations; the listener
// closes), then requests in flight and the emulator's work drain for up
// to grace, after which function processes are killed (so the requests
// waiting on them end) and the services closed. No function process
// outlives it.
func shutdown(emu *emulator.Emulator, srv *http.Server, errc <-chan error, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	emu.Stop()
	srvErr := srv.Shutdown(ctx)
	emuErr := emu.Shutdown(ctx)
	srv.Close() // connections still open after the grace period
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if emuErr != nil && !errors.Is(emuErr, context.DeadlineExceeded) {
		return emuErr
	}
	if srvErr != nil && !errors.Is(srvErr, context.DeadlineExceeded) {
		return srvErr
	}
	return nil
}

// newHTTPServer is the server `xacct serve` runs: headers must arrive
// within 30 s and a keep-alive connection idle for 2 minutes is closed.
// There is no whole-request limit (a multi-GiB upload takes as long as it
// takes); a request body that stops sending is cut off by the emulator
// with S3's RequestTimeout (emulator.WithBodyReadTimeout).
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
}
