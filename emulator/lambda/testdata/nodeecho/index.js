// The Node.js twin of pyecho/app.py: logs the event and answers with the
// process id, the invocation count and context fields.
let count = 0;

exports.handler = async (event, context) => {
  count++;
  console.info('handling', JSON.stringify(event));
  if (event.error) throw new Error(event.error);
  return {
    pid: process.pid, invocations: count, request_id: context.awsRequestId,
    remaining_ms: context.getRemainingTimeInMillis(), function_name: context.functionName,
  };
};
