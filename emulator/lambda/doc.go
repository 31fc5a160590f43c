// Package lambda is the emulated AWS Lambda: the REST-JSON API, and an
// execution environment that runs a function's real `bootstrap` (or a
// Python handler through a runtime written here) as Lambda does — the
// Runtime API, the environment variables, credentials of the execution
// role issued to lambda.amazonaws.com, warm reuse, timeouts, crashes,
// concurrency, START/END/REPORT lines in CloudWatch Logs, and AWS/Lambda
// metrics — and layers, merged in order into each function's /opt.
//
// The API is a table of service.Op routed by method and path
// (Service.routes, package protocol/rest); state is in a store with its
// own lock (store.go, layer.go); the execution environments are
// runtime.go and pool.go.
package lambda
