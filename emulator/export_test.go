package emulator

import (
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
)

// AddServiceForTest serves h for requests signed for name, with the query
// services' error flavor, as if it were in the services table. Call it
// before serving requests.
func (e *Emulator) AddServiceForTest(name string, h service.Handler) {
	e.routes[name] = route{handler: h, flavor: sigv4.FlavorQuery}
}
