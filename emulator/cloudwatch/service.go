package cloudwatch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/protocol/cbor"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
)

// Notifier publishes alarm notifications to SNS topics on behalf of the
// alarm's account. *sns.Service implements it; the topic's policy decides
// whether the CloudWatch service principal may publish.
type Notifier interface {
	// PublishFromService publishes p and returns the message id, or an
	// error (AuthorizationError, NotFound, ...) that CloudWatch records in
	// the alarm's history as a failed action.
	PublishFromService(ctx context.Context, p sns.ServicePublish) (string, error)
}

// Options configures the CloudWatch service.
type Options struct {
	// Now is the clock alarms are evaluated by; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps metrics and alarms under DataDir/cloudwatch:
	// every acknowledged PutMetricData is fsynced before it is answered.
	DataDir string
	// Notifier receives alarm actions on SNS topics. When nil, SNS actions
	// are recorded in the alarm history as failed.
	Notifier Notifier
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// scope is one account in one region: CloudWatch data is regional.
type scope struct {
	Account string
	Region  string
}

// region holds one scope's metrics, alarms and alarm history.
type region struct {
	metrics map[string]*series
	alarms  map[string]*alarm
	history []historyItem
}

// Service is the emulated CloudWatch. It is safe for concurrent use.
type Service struct {
	now      func() time.Time
	notifier Notifier
	log      *slog.Logger
	proto    protocols

	store *store // metrics, alarms and history (store.go)
}

// New returns the CloudWatch service, loading its state from opts.DataDir.
func New(opts Options) (*Service, error) {
	s := &Service{
		now:      opts.Now,
		notifier: opts.Notifier,
		log:      opts.Log,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st, err := newStore(opts.DataDir, s.now(), s.log)
	if err != nil {
		return nil, fmt.Errorf("cloudwatch: %w", err)
	}
	s.store = st
	s.proto = s.table()
	return s, nil
}

// Close releases the data directory's files.
func (s *Service) Close() error {
	return s.store.close()
}

// callScope returns the account and region a request acts in.
func callScope(ctx context.Context) scope {
	c := service.FromContext(ctx)
	if c == nil {
		return scope{}
	}
	return scope{Account: c.Caller.Account(), Region: c.Region}
}

// alarmARN returns the ARN of an alarm.
func alarmARN(sc scope, name string) string {
	return "arn:aws:cloudwatch:" + sc.Region + ":" + sc.Account + ":alarm:" + name
}

// table builds the operation table shared by the three protocols. IAM
// actions and resources follow the Service Authorization Reference for
// Amazon CloudWatch.
func (s *Service) table() protocols {
	p := protocols{
		query: query.NewMux(Namespace),
		json:  awsjson.NewMux(ServiceName, "application/x-amz-json-1.0"),
		cbor:  cbor.NewMux(SmithyNamespace, ServiceName),
	}
	p.cbor.ErrorShape = errorShape
	p.cbor.QueryCompatible = true
	star := func(action string) func(*service.Call) service.Check {
		return func(*service.Call) service.Check {
			return service.Check{Action: "cloudwatch:" + action, Resource: "*"}
		}
	}
	alarmCheck := func(action string, c *service.Call, name string) service.Check {
		return service.Check{Action: "cloudwatch:" + action, Resource: alarmARN(scope{c.Caller.Account(), c.Region}, name)}
	}
	operation(&p, service.Op[PutMetricDataIn, struct{}]{Name: "PutMetricData", Run: s.PutMetricData,
		Check: func(c *service.Call, in *PutMetricDataIn) service.Check {
			chk := star("PutMetricData")(c)
			chk.Context = map[string][]string{"cloudwatch:namespace": {in.Namespace}}
			return chk
		}})
	operation(&p, service.Op[GetMetricStatisticsIn, GetMetricStatisticsOut]{Name: "GetMetricStatistics", Run: s.GetMetricStatistics,
		Check: func(c *service.Call, _ *GetMetricStatisticsIn) service.Check { return star("GetMetricStatistics")(c) }})
	operation(&p, service.Op[GetMetricDataIn, GetMetricDataOut]{Name: "GetMetricData", Run: s.GetMetricData,
		Check: func(c *service.Call, _ *GetMetricDataIn) service.Check { return star("GetMetricData")(c) }})
	operation(&p, service.Op[ListMetricsIn, ListMetricsOut]{Name: "ListMetrics", Run: s.ListMetrics,
		Check: func(c *service.Call, _ *ListMetricsIn) service.Check { return star("ListMetrics")(c) }})
	operation(&p, service.Op[PutMetricAlarmIn, struct{}]{Name: "PutMetricAlarm", Run: s.PutMetricAlarm,
		Check: func(c *service.Call, in *PutMetricAlarmIn) service.Check {
			return alarmCheck("PutMetricAlarm", c, in.AlarmName)
		}})
	operation(&p, service.Op[DescribeAlarmsIn, DescribeAlarmsOut]{Name: "DescribeAlarms", Run: s.DescribeAlarms,
		Check: func(c *service.Call, _ *DescribeAlarmsIn) service.Check { return star("DescribeAlarms")(c) }})
	operation(&p, service.Op[DescribeAlarmsForMetricIn, DescribeAlarmsForMetricOut]{Name: "DescribeAlarmsForMetric", Run: s.DescribeAlarmsForMetric,
		Check: func(c *service.Call, _ *DescribeAlarmsForMetricIn) service.Check {
			return star("DescribeAlarmsForMetric")(c)
		}})
	// DeleteAlarms, EnableAlarmActions and DisableAlarmActions authorize
	// each named alarm in Run.
	operation(&p, service.Op[AlarmNamesIn, struct{}]{Name: "DeleteAlarms", Run: s.DeleteAlarms})
	operation(&p, service.Op[AlarmNamesIn, struct{}]{Name: "EnableAlarmActions", Run: s.EnableAlarmActions})
	operation(&p, service.Op[AlarmNamesIn, struct{}]{Name: "DisableAlarmActions", Run: s.DisableAlarmActions})
	operation(&p, service.Op[SetAlarmStateIn, struct{}]{Name: "SetAlarmState", Run: s.SetAlarmState,
		Check: func(c *service.Call, in *SetAlarmStateIn) service.Check {
			return alarmCheck("SetAlarmState", c, in.AlarmName)
		}})
	operation(&p, service.Op[DescribeAlarmHistoryIn, DescribeAlarmHistoryOut]{Name: "DescribeAlarmHistory", Run: s.DescribeAlarmHistory,
		Check: func(c *service.Call, in *DescribeAlarmHistoryIn) service.Check {
			if in.AlarmName == "" {
				return star("DescribeAlarmHistory")(c)
			}
			return alarmCheck("DescribeAlarmHistory", c, in.AlarmName)
		}})
	return p
}

// authorizeAlarms checks action on each named alarm.
func authorizeAlarms(ctx context.Context, action string, names []string) error {
	sc := callScope(ctx)
	for _, n := range names {
		if err := service.Authorize(ctx, service.Check{Action: "cloudwatch:" + action, Resource: alarmARN(sc, n)}); err != nil {
			return err
		}
	}
	return nil
}
