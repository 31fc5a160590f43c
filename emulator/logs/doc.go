// Package logs is the emulated Amazon CloudWatch Logs (JSON 1.1): log
// groups and streams, PutLogEvents, GetLogEvents, FilterLogEvents with
// filter patterns, retention; and the sink the emulated Lambda writes
// function output to.
//
// service.go holds Options, New, Close and the operation table; shapes.go
// the wire shapes; groups.go, streams.go and events.go the operations on
// each resource; store.go the state, its locking and its files; errors.go
// the error codes; filter.go the filter pattern language.
package logs
