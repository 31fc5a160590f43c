package emulator_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/xacct/xacct/emulatortest"
)

const nodeCJSAsync = `const fs = require('fs');
const os = require('os');
const path = require('path');
let count = 0;
exports.handler = async (event, context) => {
  count++;
  console.log('handling', JSON.stringify(event));
  if (event.fail) throw new TypeError(event.fail);
  let wrote = 'written';
  try {
    fs.writeFileSync(path.join(__dirname, 'written.txt'), 'x');
  } catch (e) {
    wrote = e.code;
  }
  fs.writeFileSync(path.join(os.tmpdir(), 'probe.txt'), 'ok');
  return {
    count, event, wrote, tmp: os.tmpdir(), nodePath: process.env.NODE_PATH, version: process.version,
    requestId: context.awsRequestId, functionName: context.functionName, arn: context.invokedFunctionArn,
    memory: context.memoryLimitInMB, group: context.logGroupName, stream: context.logStreamName,
    version2: context.functionVersion, remaining: context.getRemainingTimeInMillis(),
    data: fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8'),
  };
};
`

const nodeCJSCallback = `exports.handler = (event, context, callback) => {
  setTimeout(() => {
    if (event.fail) callback(new Error(event.fail));
    else callback(null, { doubled: event.n * 2, requestId: context.awsRequestId });
  }, 5);
};
`

const nodeESM = `import { readFile } from 'node:fs/promises';
import { helper } from './lib.mjs';
export const handler = async (event, context) => ({ esm: true, helped: helper(event.n), name: context.functionName });
`

// TestNodeRuntime deploys Node.js handlers written here through the
// Lambda API and invokes them: CommonJS async and callback styles, ES
// modules (.mjs and a package.json "type": "module"), Lambda's error shape,
// the context object, the read-only code directory, the private /tmp, and
// an undeclared require failing with Runtime.ImportModuleError.
func TestNodeRuntime(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	out, _ := exec.Command("node", "--version").Output()
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	declared := "nodejs" + major + ".x"
	srv := emulatortest.New(t)
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "node-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))

	createFunction(t, lc, "cjs-async", declared, "index.handler", role, zipFiles(t, map[string]string{"index.js": nodeCJSAsync, "data.txt": "shipped"}))
	m, res := invokeJSON(t, lc, "cjs-async", `{"k":"v"}`)
	tail := logTail(res)
	if res.FunctionError != nil {
		t.Fatalf("cjs-async: %s\n%s", res.Payload, tail)
	}
	if m["count"] != 1.0 || m["functionName"] != "cjs-async" || m["arn"] != "arn:aws:lambda:us-east-1:"+home+":function:cjs-async" ||
		m["memory"] != "128" || m["group"] != "/aws/lambda/cjs-async" || m["version2"] != "$LATEST" || m["remaining"].(float64) <= 0 ||
		m["data"] != "shipped" || m["requestId"] == "" || m["stream"] == "" {
		t.Errorf("cjs-async: %v", m)
	}
	if m["wrote"] != "EACCES" && m["wrote"] != "EROFS" {
		t.Errorf("writing into the code directory: %v, want it refused", m["wrote"])
	}
	if tmp, _ := m["tmp"].(string); !strings.Contains(tmp, "xacct-lambda-tmp-") {
		t.Errorf("os.tmpdir() = %q, want the environment's own directory", tmp)
	}
	if np, _ := m["nodePath"].(string); strings.Contains(np, "/usr/lib/node_modules") || strings.Count(np, ":") != 0 {
		t.Errorf("NODE_PATH = %q, want only the code (no layers here)", np)
	}
	if !strings.Contains(tail, "\tINFO\thandling {\"k\":\"v\"}") || strings.Contains(tail, "WARNING xacct") {
		t.Errorf("log tail:\n%s", tail)
	}
	if m, _ := invokeJSON(t, lc, "cjs-async", `{}`); m["count"] != 2.0 {
		t.Errorf("second invocation is not warm: %v", m)
	}
	_, res = invokeJSON(t, lc, "cjs-async", `{"fail":"bad input"}`)
	var e struct {
		ErrorType, ErrorMessage string
		Trace                   []string
	}
	json.Unmarshal(res.Payload, &e)
	if aws.ToString(res.FunctionError) != "Unhandled" || e.ErrorType != "TypeError" || e.ErrorMessage != "bad input" ||
		len(e.Trace) < 2 || e.Trace[0] != "TypeError: bad input" || !strings.Contains(e.Trace[1], "(/var/task/index.js:") {
		t.Errorf("error payload: %s", res.Payload)
	}
	if tail := logTail(res); !strings.Contains(tail, "\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\"") {
		t.Errorf("error log:\n%s", tail)
	}

	createFunction(t, lc, "cjs-callback", declared, "index.handler", role, zipFiles(t, map[string]string{"index.js": nodeCJSCallback}))
	if m, res := invokeJSON(t, lc, "cjs-callback", `{"n":21}`); res.FunctionError != nil || m["doubled"] != 42.0 || m["requestId"] == "" {
		t.Errorf("callback: %s", res.Payload)
	}
	if _, res := invokeJSON(t, lc, "cjs-callback", `{"fail":"no"}`); aws.ToString(res.FunctionError) != "Unhandled" || !strings.Contains(string(res.Payload), `"errorMessage":"no"`) {
		t.Errorf("callback error: %s", res.Payload)
	}

	createFunction(t, lc, "esm-mjs", declared, "index.handler", role, zipFiles(t, map[string]string{
		"index.mjs": nodeESM, "lib.mjs": "export const helper = (n) => { if (n === 'boom') throw new Error('boom'); return n + 1; };\n"}))
	if m, res := invokeJSON(t, lc, "esm-mjs", `{"n":1}`); res.FunctionError != nil || m["esm"] != true || m["helped"] != 2.0 || m["name"] != "esm-mjs" {
		t.Errorf("esm .mjs: %s\n%s", res.Payload, logTail(res))
	}
	if _, res := invokeJSON(t, lc, "esm-mjs", `{"n":"boom"}`); !strings.Contains(string(res.Payload), "file:///var/task/lib.mjs:") {
		t.Errorf("esm error trace: %s", res.Payload)
	}
	createFunction(t, lc, "esm-type-module", declared, "src/app.main", role, zipFiles(t, map[string]string{
		"package.json": `{"type":"module"}`, "src/app.js": "export async function main(event) { return { esm: typeof require === 'undefined', n: event.n }; }\n"}))
	if m, res := invokeJSON(t, lc, "esm-type-module", `{"n":3}`); res.FunctionError != nil || m["esm"] != true || m["n"] != 3.0 {
		t.Errorf("esm type module: %s\n%s", res.Payload, logTail(res))
	}

	// A package the function did not ship fails at init, as on Lambda.
	createFunction(t, lc, "undeclared", declared, "index.handler", role, zipFiles(t, map[string]string{
		"index.js": "const pad = require('left-pad');\nexports.handler = async () => pad('x', 3);\n"}))
	_, res = invokeJSON(t, lc, "undeclared", `{}`)
	json.Unmarshal(res.Payload, &e)
	if aws.ToString(res.FunctionError) != "Unhandled" || e.ErrorType != "Runtime.ImportModuleError" || !strings.Contains(e.ErrorMessage, "Cannot find module 'left-pad'") ||
		!strings.Contains(e.ErrorMessage, "- /var/task/index.js") {
		t.Errorf("undeclared require: %s", res.Payload)
	}
	createFunction(t, lc, "no-handler", declared, "index.nothere", role, zipFiles(t, map[string]string{"index.js": "exports.handler = async () => 1;\n"}))
	if _, res := invokeJSON(t, lc, "no-handler", `{}`); !strings.Contains(string(res.Payload), `"errorType":"Runtime.HandlerNotFound"`) {
		t.Errorf("missing handler: %s", res.Payload)
	}

	// Another Node.js runtime runs on this machine's node, with the warning.
	other := "nodejs18.x"
	if declared == other {
		other = "nodejs22.x"
	}
	createFunction(t, lc, "other-node", other, "index.handler", role, zipFiles(t, map[string]string{"index.js": "exports.handler = async () => process.version;\n"}))
	_, res = invokeJSON(t, lc, "other-node", `{}`)
	if tail := logTail(res); res.FunctionError != nil || !strings.Contains(tail, "WARNING xacct: runtime "+other+" is not installed here") {
		t.Errorf("%s: %s\n%s", other, res.Payload, tail)
	}
}
