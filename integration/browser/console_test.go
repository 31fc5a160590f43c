// Package browser drives the emulator's web console in headless Chromium
// (its own package, so the slow deployment it starts has its own test
// time budget).
package browser

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/chromedp"

	"github.com/xacct/xacct/emulatortest"
)

// build builds cmd/xacct from this checkout.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xacct")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/xacct").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/xacct: %v\n%s", err, out)
	}
	return bin
}

// run runs the xacct binary bin with args.
func run(bin string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("xacct %s: %w", args[0], err)
	}
	return out.String(), errb.String(), err
}

// chromium returns the path of a Chromium (Debian's chromium package, which
// .ci/run installs), or "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestConsoleInBrowser drives the web console in headless Chromium after
// `xacct up`: the trust graph has the cross-account edge from the copy
// function's execution role to the target role and shows its statements
// when clicked; the trust policy is then broken through the API
// (UpdateAssumeRolePolicy), the copy function invoked, and the live trail
// page shows the refused AssumeRole with its step-2 diagnosis while the
// edge is gone from the graph. It saves the screenshots the README tour
// shows (docs/console-*.png).
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys the project and starts a browser")
	}
	browser := chromium()
	if browser == "" {
		t.Skip("no Chromium on PATH (apt-get install chromium; .ci/run installs it): the console's browser test did not run")
	}
	bin := build(t)
	srv := emulatortest.New(t)
	if out, errs, err := run(bin, "up", "--endpoint", srv.URL, "--dir", "../..", "--external-id", "console-ext"); err != nil {
		t.Fatalf("up: %v\n%s%s", err, out, errs)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 760), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := chromedp.CaptureScreenshot()(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	const (
		execRole = "arn:aws:iam::111111111111:role/xacct-s3-copy-execution"
		role     = "arn:aws:iam::222222222222:role/xacct-cross-account"
	)
	edge := `path.edge[data-from="` + execRole + `"][data-to="` + role + `"]`
	detail := `details.edge-detail[open][data-from="` + execRole + `"][data-to="` + role + `"]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/_xacct/graph"),
		chromedp.WaitVisible(chromedp.CSS(edge)),
		chromedp.Click(chromedp.CSS(edge)),
		chromedp.WaitVisible(chromedp.CSS(detail+" pre")),
	); err != nil {
		t.Fatalf("graph page: %v", err)
	}
	class, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(edge), "class"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(class.Value, "externalid") {
		t.Errorf("edge class %q: want externalid (the target role requires sts:ExternalId)", class.Value)
	}
	statements := text(detail)
	for _, want := range []string{"Step 1, identity permission: allowed by", "Step 2, trust policy: allowed by", `"sts:ExternalId"`, "sts:AssumeRole"} {
		if !strings.Contains(statements, want) {
			t.Errorf("the edge's details lack %q:\n%s", want, statements)
		}
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("svg.graph")), shot("console-graph.png")); err != nil {
		t.Fatal(err)
	}

	// The live trail, filtered to refusals, is following before the
	// trust policy breaks.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/_xacct/trail?decision=denied&function=xacct-s3-copy"),
		chromedp.WaitVisible(chromedp.CSS("#live.on")),
	); err != nil {
		t.Fatalf("trail page: %v", err)
	}
	ti := iam.NewFromConfig(srv.Config("222222222222"))
	emulatortest.Must(ti.UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("xacct-cross-account"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"console-ext"}}}]}`)}))(t)
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{}`), 0o644)
	out, errs, _ := run(bin, "invoke", "xacct-s3-copy", "--event", event, "--endpoint", srv.URL)
	if !strings.Contains(out+errs, "step 2") {
		t.Logf("invoke output:\n%s%s", out, errs)
	}
	denial := `tr.rec.denied + tr.diag .diagnosis`
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(denial))); err != nil {
		t.Fatalf("the denial did not appear in the live trail: %v", err)
	}
	row, diagnosis := text("tr.rec.denied"), text(denial)
	if !strings.Contains(row, "sts:AssumeRole") || !strings.Contains(row, "xacct-s3-copy") || !strings.Contains(diagnosis, "step 2 (trust policy)") {
		t.Errorf("live trail row %q, diagnosis %q: want the copy function's refused sts:AssumeRole with step 2's diagnosis", row, diagnosis)
	}
	if err := chromedp.Do(ctx, shot("console-trail.png")); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/_xacct/graph"),
		chromedp.WaitVisible(chromedp.CSS("svg.graph")),
	); err != nil {
		t.Fatalf("graph page after the change: %v", err)
	}
	edges, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+edge+`').length`))
	if err != nil {
		t.Fatal(err)
	}
	if edges != 0 {
		t.Errorf("the edge %s → %s is still drawn after the trust policy stopped naming it", execRole, role)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/_xacct/accounts/222222222222"),
		chromedp.Click(chromedp.CSS("#role-xacct-cross-account > summary")),
		chromedp.WaitVisible(chromedp.CSS("#role-xacct-cross-account pre.json")),
		shot("console-account.png"),
	); err != nil {
		t.Fatalf("account page: %v", err)
	}
}
