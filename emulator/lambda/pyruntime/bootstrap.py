"""A Lambda runtime for Python handlers, written for xacct's emulator.

It polls the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API), imports
_HANDLER ("module.function") from LAMBDA_TASK_ROOT, calls it with the event
and a context object, and posts the result or the error as AWS's Python
runtime does. The root logger prints "[LEVEL]\\t<time>\\t<request id>\\t<message>"
lines, or JSON records when AWS_LAMBDA_LOG_FORMAT is JSON.
"""
import importlib
import json
import logging
import os
import sys
import time
import traceback
import urllib.error
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
REQUEST_ID = {"id": ""}


def post(path, body, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method="POST", headers=headers or {})
    urllib.request.urlopen(req).read()


def error_body(e, request_id=None):
    body = {"errorMessage": str(e), "errorType": type(e).__name__,
            "stackTrace": traceback.format_list(traceback.extract_tb(e.__traceback__))}
    if request_id:
        body["requestId"] = request_id
    return body


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


def main():
    setup_logging()
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    except Exception as e:  # the init error Lambda reports
        body = error_body(e)
        if isinstance(e, (ImportError, ModuleNotFoundError)):
            body["errorType"] = "Runtime.ImportModuleError"
            body["errorMessage"] = "Unable to import module '%s': %s" % (os.environ.get("_HANDLER", ""), e)
        elif isinstance(e, AttributeError):
            body["errorType"] = "Runtime.HandlerNotFound"
            body["errorMessage"] = "Handler '%s' missing on module" % os.environ.get("_HANDLER", "")
        print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
        post("/init/error", body, {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
        sys.exit(1)
    while True:
        with urllib.request.urlopen(API + "/invocation/next") as resp:
            headers = resp.headers
            raw = resp.read()
        ctx = Context(headers)
        REQUEST_ID["id"] = ctx.aws_request_id
        try:
            event = json.loads(raw) if raw else None
            result = handler(event, ctx)
            post("/invocation/" + ctx.aws_request_id + "/response", json.dumps(result).encode())
        except Exception as e:
            body = error_body(e, ctx.aws_request_id)
            print(json.dumps(body) if os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON" else
                  "[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (body["errorType"], body["errorMessage"], "".join(body["stackTrace"])),
                  flush=True)
            post("/invocation/" + ctx.aws_request_id + "/error", body,
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled"})


if __name__ == "__main__":
    main()
