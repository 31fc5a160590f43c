package cloudwatch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/internal/servicetest"
)

// TestFailedAlarmSaveIsUndone: a PutMetricAlarm or DeleteAlarms whose
// alarms.json cannot be written is refused and undone (it was never
// acknowledged); a restart loads the state written before.
func TestFailedAlarmSaveIsUndone(t *testing.T) {
	dir := t.TempDir()
	now := servicetest.NewClock(time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC))
	open := func() *Service {
		s, err := New(Options{Now: now.Now, DataDir: dir, Notifier: &recorder{}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := open()
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	if _, err := s.PutMetricAlarm(ctx, &in); err != nil {
		t.Fatal(err)
	}
	// A non-empty directory where alarms.json was: every save's atomic
	// rename fails, for root too.
	file := filepath.Join(dir, "cloudwatch", "alarms.json")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(file)
	if err := os.MkdirAll(filepath.Join(file, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := baseAlarm()
	other.AlarmName = "lost"
	_, errPut := s.PutMetricAlarm(ctx, &other)
	_, errDel := s.DeleteAlarms(ctx, &AlarmNamesIn{AlarmNames: []string{"errors"}})
	os.RemoveAll(file)
	if err := os.WriteFile(file, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	if errPut == nil || errDel == nil {
		t.Fatalf("changes with alarms.json unwritable: PutMetricAlarm %v, DeleteAlarms %v; want both refused", errPut, errDel)
	}
	for _, svc := range []*Service{s, open()} {
		out, err := svc.DescribeAlarms(ctx, &DescribeAlarmsIn{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range out.MetricAlarms {
			names = append(names, a.AlarmName)
		}
		if len(names) != 1 || names[0] != "errors" {
			t.Errorf("alarms: got %v, want [errors]", names)
		}
	}
}
