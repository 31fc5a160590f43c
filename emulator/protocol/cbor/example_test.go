package cbor_test

import (
	"fmt"
	"time"

	"github.com/xacct/xacct/emulator/protocol/cbor"
)

func ExampleUnmarshal() {
	type datum struct {
		MetricName string
		Value      *float64
		Timestamp  time.Time
	}
	v := 1.0
	b, _ := cbor.Marshal(datum{MetricName: "Errors", Value: &v, Timestamp: time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)})
	var got datum
	if err := cbor.Unmarshal(b, &got); err != nil {
		fmt.Println(err)
	}
	fmt.Println(got.MetricName, *got.Value, got.Timestamp.Format(time.RFC3339))
	// Output: Errors 1 2024-11-26T10:00:00Z
}
