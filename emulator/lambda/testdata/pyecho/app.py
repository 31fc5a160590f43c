import json
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)
COUNT = {"n": 0}


def lambda_handler(event, context):
    COUNT["n"] += 1
    logger.info("handling %s", json.dumps(event))
    if event.get("error"):
        raise ValueError(event["error"])
    return {"pid": os.getpid(), "invocations": COUNT["n"], "request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(), "function_name": context.function_name}
