package cbor

import (
	"net/http"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
	"github.com/google/go-cmp/cmp"
)

func fuzzSeeds(f *testing.F) {
	when := time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, s := range []testShape{
		{},
		{Namespace: "App", Period: ptr(int32(60)), Values: []float64{1, 2}, Dims: []testDim{{"N", "V"}}, When: &when},
		{Tags: map[string]string{"a": "b"}, Blob: []byte{1, 2, 3}, Flag: ptr(true), Renamed: "x", Count: -7},
	} {
		b, _ := Marshal(s)
		f.Add(b)
	}
	f.Add([]byte{0xbf, 0x69, 'N', 'a', 'm', 'e', 's', 'p', 'a', 'c', 'e', 0x61, 'x', 0xff}) // indefinite map
	f.Add([]byte{0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff})
	f.Add([]byte{0xa1, 0x64, 'W', 'h', 'e', 'n', 0xc1, 0xf9, 0x7c, 0x00}) // tag 1, float16 +Inf
	f.Add([]byte{0xa1, 0x65, 'C', 'o', 'u', 'n', 't', 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

// FuzzUnmarshal checks that no input makes the decoder panic, and that what
// it accepts survives an encode/decode round trip unchanged.
func FuzzUnmarshal(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v testShape
		if err := Unmarshal(data, &v); err != nil {
			return
		}
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of decoded value: %v", err)
		}
		var again testShape
		if err := Unmarshal(b, &again); err != nil {
			t.Fatalf("re-decoding our own encoding: %v", err)
		}
		if diff := cmp.Diff(v, again, equateShapes); diff != "" {
			t.Fatalf("round trip changed the value (-first +second):\n%s", diff)
		}
	})
}

// FuzzMux sends arbitrary bodies through the protocol layer: every response
// must be a 200 or a 4xx error whose body is a CBOR map with __type.
func FuzzMux(f *testing.F) {
	fuzzSeeds(f)
	m := newTestMux()
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := serve(m, cborRequest("/service/TestService/operation/Echo", data))
		if rec.Code == http.StatusOK {
			var out echoOut
			if err := Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("success body does not decode: %v", err)
			}
			return
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusInternalServerError {
			t.Fatalf("got status %d", rec.Code)
		}
		v, err := smithycbor.Decode(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("error body does not decode: %v", err)
		}
		if _, ok := v.(smithycbor.Map)["__type"]; !ok {
			t.Fatalf("error body without __type: %v", v)
		}
	})
}
