package emulator_test

import (
	"io"
	"net/http"

	"github.com/xacct/xacct/emulatortest"
)

func httpNewRequest(method, url string, body io.Reader) (*http.Request, error) {
	return http.NewRequest(method, url, body)
}

func srvClient(srv *emulatortest.Server) *http.Client { return http.DefaultClient }
