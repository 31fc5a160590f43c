package s3control

import (
	"context"
	"net"
	"net/http"
)

// Transport returns a clone of base (http.DefaultTransport's when nil)
// whose connections to ACCOUNT.HOST go to HOST. With a custom endpoint
// (AWS_ENDPOINT_URL=http://127.0.0.1:4566) the SDKs send S3 Control
// requests to ACCOUNT.127.0.0.1:4566, their host prefix in front of the
// endpoint's host, a name no resolver knows; AWS's own hosts
// (ACCOUNT.s3-control.REGION.amazonaws.com) resolve in DNS. The Host
// header, which the request is signed with, is left as it is.
func Transport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dial(ctx, network, StripAccount(addr))
	}
	return t
}

// StripAccount returns addr (HOST:PORT) without a leading 12-digit account
// id label.
func StripAccount(addr string) string {
	if len(addr) > 13 && addr[12] == '.' && validAccount(addr[:12]) {
		return addr[13:]
	}
	return addr
}
