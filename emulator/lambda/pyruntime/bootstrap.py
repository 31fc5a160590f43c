"""A Lambda runtime for Python handlers, written for xacct's emulator.

It polls the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API), imports
_HANDLER ("module.function") from the code directory, calls it with the
event and a context object, and posts the result or the error as AWS's
Python runtime does. The root logger prints
"[LEVEL]\\t<time>\\t<request id>\\t<message>" lines, or JSON records when
AWS_LAMBDA_LOG_FORMAT is JSON.

The emulator starts it as `python -S -B -u bootstrap.py --task-root DIR
[--opt DIR] [--sdk DIR] [--diag-fd N]`: without site-packages (-S) and
without writing bytecode (-B). sys.path becomes what Lambda's is: the code,
the layers' python/lib/pythonX.Y/site-packages and python, the runtime's
AWS SDK (a directory of links to boto3 and its dependencies), then the
standard library (AWS Lambda Developer Guide, "Packaging your layer
content", layer paths for each runtime).

The code directory is shown to the function as /var/task and the layers as
/opt: modules from them are compiled with those file names (tracebacks and
__file__ say /var/task/app.py) and the file functions the standard library
opens through (open, os.stat, os.listdir, os.scandir, ...) map the two
prefixes back to the real directories, so reading a file next to
__file__ works. The runtime's own failures go to the diagnostics
descriptor (the emulator's log), never to the function's log stream.
"""
import builtins
import importlib
import importlib.machinery
import importlib.util
import io
import json
import linecache
import logging
import os
import sys
import time
import traceback
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
REQUEST_ID = {"id": ""}
MAPS = []  # (lambda path, host path)
DIAG = [None]


def diag(msg):
    """Writes a line about the runtime itself to the emulator's log."""
    f = DIAG[0]
    if f is None:
        return
    try:
        f.write(msg.rstrip("\n") + "\n")
        f.flush()
    except Exception:
        pass


def to_lambda(path):
    for virt, real in MAPS:
        if path == real or path.startswith(real + os.sep):
            return virt + path[len(real):]
    return path


def to_host(path):
    try:
        s = os.fspath(path)
    except TypeError:
        return path
    if not isinstance(s, str):
        return path
    for virt, real in MAPS:
        if s == virt or s.startswith(virt + "/"):
            return real + s[len(virt):]
    return path


def mapped(fn):
    def wrapper(path, *args, **kwargs):
        host = to_host(path)
        try:
            return fn(host, *args, **kwargs)
        except OSError as e:
            if host is not path and e.filename == host:
                e.filename = path
            raise
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def install_path_map():
    builtins.open = io.open = mapped(io.open)
    for name in ("open", "stat", "lstat", "listdir", "scandir", "access", "chdir", "mkdir", "remove", "unlink", "rename", "rmdir"):
        if hasattr(os, name):
            setattr(os, name, mapped(getattr(os, name)))
    real_getcwd = os.getcwd
    os.getcwd = lambda: to_lambda(real_getcwd())


class MappedLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module of the code or a layer under its Lambda path."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        data, shown = self.get_data(path), to_lambda(path)
        # Tracebacks read source lines by the shown name: cache them as
        # linecache does for modules with a loader (no mtime to check).
        lines = importlib.util.decode_source(data).splitlines(True)
        linecache.cache[shown] = (len(data), None, lines, shown)
        return compile(data, shown, "exec", dont_inherit=True)


class MappedFinder:
    """Finds modules as the path finder does; those in the code or a layer
    get their Lambda path as __file__."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not spec.origin or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        shown = to_lambda(spec.origin)
        if shown == spec.origin:
            return spec
        new = importlib.util.spec_from_file_location(fullname, spec.origin, loader=MappedLoader(fullname, spec.origin),
                                                     submodule_search_locations=spec.submodule_search_locations)
        new.origin = shown
        return new

    @classmethod
    def invalidate_caches(cls):
        importlib.machinery.PathFinder.invalidate_caches()


def post(path, body, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method="POST", headers=headers or {})
    urllib.request.urlopen(req).read()


def user_frames(tb):
    """The traceback's frames without the runtime's and importlib's."""
    here = os.path.abspath(__file__)
    return traceback.format_list([f for f in traceback.extract_tb(tb)
                                  if f.filename != here and not f.filename.startswith("<frozen importlib")])


def error_body(e, request_id=None):
    return {"errorMessage": str(e), "errorType": type(e).__name__, "requestId": request_id or "",
            "stackTrace": user_frames(e.__traceback__)}


class TextFormatter(logging.Formatter):
    def format(self, record):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs
        return "[%s]\t%s\t%s\t%s" % (record.levelname, ts, REQUEST_ID["id"], record.getMessage())


class JSONFormatter(logging.Formatter):
    def format(self, record):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z"
        out = {"timestamp": ts, "level": record.levelname, "message": record.getMessage(),
               "logger": record.name, "requestId": REQUEST_ID["id"]}
        if record.exc_info:
            out["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(out)


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    json_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"
    handler.setFormatter(JSONFormatter() if json_format else TextFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
    root.setLevel(getattr(logging, level.upper(), logging.WARNING) if level else logging.WARNING)


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        self._deadline_ms = int(headers["Lambda-Runtime-Deadline-Ms"])
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = json.loads(cc) if cc else None
        self.identity = None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def parse_args(argv):
    opts = {"--task-root": ".", "--opt": "", "--sdk": "", "--diag-fd": ""}
    i = 0
    while i + 1 < len(argv):
        opts[argv[i]] = argv[i + 1]
        i += 2
    return opts


def setup_path(opts):
    task, opt, sdk = opts["--task-root"], opts["--opt"], opts["--sdk"]
    version = "python%d.%d" % sys.version_info[:2]
    stdlib = [p for p in sys.path[1:] if p]  # sys.path[0] is this script's directory
    front = [task]
    if opt:
        front += [os.path.join(opt, "python", "lib", version, "site-packages"), os.path.join(opt, "python")]
    if sdk:
        front.append(sdk)
    sys.path[:] = front + stdlib
    if opt and os.path.isdir(front[1]):
        # A site directory on Lambda: its .pth files count (the entry is
        # already on sys.path, so addsitedir only reads them).
        import site
        site.addsitedir(front[1])
    MAPS.append(("/var/task", task))
    if opt:
        MAPS.append(("/opt", opt))
    sys.meta_path.insert(sys.meta_path.index(importlib.machinery.PathFinder), MappedFinder)
    if not hasattr(builtins, "exit"):  # site (not imported) defines them
        builtins.exit = builtins.quit = sys.exit
    install_path_map()


def load_handler():
    handler_name = os.environ.get("_HANDLER", "")
    module_name, _, function_name = handler_name.rpartition(".")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        return None, {"errorType": "Runtime.UserCodeSyntaxError",
                      "errorMessage": "Syntax error in module '%s': %s" % (module_name, e), "requestId": "",
                      "stackTrace": user_frames(e.__traceback__)}
    except ImportError as e:
        return None, {"errorType": "Runtime.ImportModuleError",
                      "errorMessage": "Unable to import module '%s': %s" % (module_name, e), "requestId": "", "stackTrace": []}
    except Exception as e:  # raised by the module's top level
        return None, error_body(e)
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, {"errorType": "Runtime.HandlerNotFound",
                      "errorMessage": "Handler '%s' missing on module '%s'" % (function_name, module_name),
                      "requestId": "", "stackTrace": []}
    return handler, None


def log_error(body):
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON":
        print(json.dumps({"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "ERROR",
                          "message": body, "requestId": body.get("requestId", "")}), flush=True)
        return
    print("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (
        body["errorType"], body["errorMessage"], "".join(body["stackTrace"])), flush=True)


def loop(handler):
    while True:
        with urllib.request.urlopen(API + "/invocation/next") as resp:
            headers = resp.headers
            raw = resp.read()
        ctx = Context(headers)
        REQUEST_ID["id"] = ctx.aws_request_id
        try:
            event = json.loads(raw) if raw else None
            result = handler(event, ctx)
        except Exception as e:
            body = error_body(e, ctx.aws_request_id)
            log_error(body)
            post("/invocation/" + ctx.aws_request_id + "/error", body,
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            body = {"errorType": "Runtime.MarshalError", "errorMessage": "Unable to marshal response: %s" % e,
                    "requestId": ctx.aws_request_id, "stackTrace": []}
            log_error(body)
            post("/invocation/" + ctx.aws_request_id + "/error", body,
                 {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError"})
            continue
        post("/invocation/" + ctx.aws_request_id + "/response", out)


def main():
    opts = parse_args(sys.argv[1:])
    if opts["--diag-fd"]:
        try:
            DIAG[0] = os.fdopen(int(opts["--diag-fd"]), "w", buffering=1)
        except OSError:
            pass
    try:
        setup_path(opts)
        setup_logging()
        handler, err = load_handler()
        if err is not None:
            log_error(err)
            post("/init/error", err, {"Lambda-Runtime-Function-Error-Type": err["errorType"]})
            sys.exit(1)
        loop(handler)
    except SystemExit:
        raise
    except BaseException:
        diag("runtime failure: " + traceback.format_exc())
        sys.exit(1)


if __name__ == "__main__":
    main()
