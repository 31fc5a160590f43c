//go:build !linux

package lambda

// pending cannot ask this OS how many bytes a pipe holds: drain falls back
// to waiting until the pipe has been quiet for quietPeriod.
func (p *outputPipe) pending() (int, bool) { return 0, false }
