// A Lambda runtime for Node.js handlers, written for xacct's emulator.
//
// It polls the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API), loads _HANDLER
// ("path/module.function") from the code directory (--task-root) as
// CommonJS, or as an ES module for .mjs files and .js files under a
// package.json with "type": "module", calls it with the event and a
// context object (async handlers, handlers returning a promise, and
// callback handlers), and posts the result or the error in Lambda's shape
// ({errorType, errorMessage, trace}). console.* lines carry the time, the
// request id and the level as Lambda's Node.js runtimes print them, with a
// message's newlines turned into carriage returns so it stays one log
// event. The runtime's own failures go to the diagnostics descriptor
// (--diag-fd, the emulator's log), never to the function's log stream.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i]] = process.argv[i + 1];
const taskRoot = args['--task-root'] || process.cwd();
let diagStream = null;
if (args['--diag-fd']) {
  try {
    diagStream = fs.createWriteStream(null, { fd: Number(args['--diag-fd']) });
  } catch (e) {
    diagStream = null;
  }
}
function diag(msg) {
  if (diagStream) diagStream.write(String(msg).replace(/\n*$/, '\n'));
}

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: apiHost, port: Number(apiPort), path: base + p, method, agent, headers: headers || {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Logging as Lambda's Node.js runtime formats it.
let currentRequestId;
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
const levels = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const minLevel = levels[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] ?? 0;
function logLine(level, fmtArgs) {
  if (levels[level] < minLevel) return;
  const time = new Date().toISOString();
  let line;
  if (jsonLogs) {
    line = JSON.stringify({ timestamp: time, level, requestId: currentRequestId, message: util.format(...fmtArgs) });
  } else {
    line = `${time}\t${currentRequestId}\t${level}\t${util.format(...fmtArgs)}`.replace(/\n/g, '\r');
  }
  process.stdout.write(line + '\n');
}
console.log = (...a) => logLine('INFO', a);
console.info = (...a) => logLine('INFO', a);
console.warn = (...a) => logLine('WARN', a);
console.error = (...a) => logLine('ERROR', a);
console.debug = (...a) => logLine('DEBUG', a);
console.trace = (...a) => logLine('TRACE', a);

// lambdaPaths shows the code directory, the layers and this runtime in an
// error's message and trace as Lambda's paths (/var/task, /opt, /var/runtime),
// also in file: URLs. The function's own __dirname stays the real one.
const pathMaps = [[__filename, '/var/runtime/index.mjs'], [taskRoot, '/var/task']];
if (args['--opt']) pathMaps.push([args['--opt'], '/opt']);
function lambdaPaths(s) {
  let out = String(s);
  for (const [real, shown] of pathMaps) {
    out = out.split(pathToFileURL(real).href).join('file://' + shown).split(real).join(shown);
  }
  return out;
}

function errorBody(err, type) {
  if (!(err instanceof Error)) {
    const msg = typeof err === 'string' ? err : JSON.stringify(err);
    return { errorType: type || 'string', errorMessage: msg, trace: [] };
  }
  return {
    errorType: type || err.name || 'Error',
    errorMessage: lambdaPaths(type ? `${err.name}: ${err.message}` : err.message),
    trace: lambdaPaths(err.stack || '').split('\n'),
  };
}

function logError(prefix, body) {
  const { trace, ...rest } = body;
  logLine('ERROR', [`${prefix} \t${JSON.stringify({ ...rest, stack: trace })}`]);
}

class HandlerError extends Error {}

// findModule resolves "dir/module" to a file as Lambda does: .js, .mjs,
// then .cjs.
function findModule(modPath) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const f = path.resolve(taskRoot, modPath + ext);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

// isESM reports whether a .js file is an ES module: the nearest
// package.json says "type": "module".
function isESM(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (e) {
        return false;
      }
    }
    if (dir === path.dirname(dir) || dir === path.dirname(taskRoot)) return false;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  const modPath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1);
  const file = findModule(modPath);
  let mod;
  try {
    if (file === null) {
      const e = new Error(`Cannot find module '${modPath}'`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    mod = isESM(file) ? await import(pathToFileURL(file).href) : require(file);
  } catch (e) {
    if (e instanceof SyntaxError) throw Object.assign(new HandlerError(), { body: errorBody(e, 'Runtime.UserCodeSyntaxError') });
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw Object.assign(new HandlerError(), { body: errorBody(e, 'Runtime.ImportModuleError') });
    }
    throw Object.assign(new HandlerError(), { body: errorBody(e) });
  }
  let fn = mod;
  for (const part of fnPath.split('.')) fn = fn == null ? undefined : fn[part];
  if (typeof fn !== 'function') {
    throw Object.assign(new HandlerError(), {
      body: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${spec} is undefined or not exported`, trace: [] },
    });
  }
  return fn;
}

function makeContext(headers, callbacks) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: (err, result) => callbacks(err, result),
    succeed: (result) => callbacks(null, result),
    fail: (err) => callbacks(err || 'handled'),
  };
  if (headers['lambda-runtime-client-context']) {
    try {
      ctx.clientContext = JSON.parse(headers['lambda-runtime-client-context']);
    } catch (e) {
      ctx.clientContext = undefined;
    }
  }
  return ctx;
}

// invoke runs the handler: its promise, or its callback, settles the
// invocation (Node.js 18-22 runtimes take both styles); a handler that is
// neither async nor calls back answers what it returned.
function invoke(handler, event, headers) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(result);
    };
    const ctx = makeContext(headers, callback);
    try {
      const r = handler(event, ctx, callback);
      if (r && typeof r.then === 'function') r.then((v) => callback(null, v), (e) => callback(e === undefined ? new Error('undefined') : e));
      else if (handler.length < 3) callback(null, r);
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    const body = e instanceof HandlerError ? e.body : errorBody(e);
    logError('Uncaught Exception', body);
    await request('POST', '/init/error', JSON.stringify(body), { 'Lambda-Runtime-Function-Error-Type': body.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    let event;
    try {
      event = next.body ? JSON.parse(next.body) : null;
    } catch (e) {
      event = next.body;
    }
    let result;
    try {
      result = await invoke(handler, event, next.headers);
    } catch (err) {
      const body = errorBody(err);
      logError('Invoke Error', body);
      await request('POST', `/invocation/${id}/error`, JSON.stringify(body), { 'Lambda-Runtime-Function-Error-Type': body.errorType });
      continue;
    }
    let out;
    try {
      out = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      const body = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${err.message}`, trace: [] };
      logError('Invoke Error', body);
      await request('POST', `/invocation/${id}/error`, JSON.stringify(body), { 'Lambda-Runtime-Function-Error-Type': body.errorType });
      continue;
    }
    await request('POST', `/invocation/${id}/response`, out, { 'Content-Type': 'application/json' });
  }
}

// An error nobody awaited, after the handler returned, is the function's:
// Lambda's runtime logs it and the environment ends (Runtime.ExitError).
process.on('unhandledRejection', (reason) => {
  logError('Unhandled Promise Rejection', errorBody(reason));
  process.exit(128);
});
process.on('uncaughtException', (err) => {
  logError('Uncaught Exception', errorBody(err));
  process.exit(129);
});

main().catch((e) => {
  diag('runtime failure: ' + (e && e.stack ? e.stack : String(e)));
  process.exit(1);
});
