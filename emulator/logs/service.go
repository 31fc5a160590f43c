package logs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/service"
)

// Options configures the service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps log groups and events under DataDir/logs.
	DataDir string
	// Log receives what opening the data directory recovered or dropped;
	// nil discards.
	Log *slog.Logger
}

// Service is the emulated CloudWatch Logs.
type Service struct {
	now   func() time.Time
	store *store
}

// New returns the service.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st, err := newStore(opts.DataDir, opts.Log)
	if err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	return &Service{now: opts.Now, store: st}, nil
}

// Close releases stream files.
func (s *Service) Close() error { s.store.close(); return nil }

func scope(ctx context.Context) (acct, region string) {
	c := service.FromContext(ctx)
	return c.Caller.Account(), c.Region
}

// ARNs for authorization (Service Authorization Reference, Amazon
// CloudWatch Logs: log-group and log-stream resources).
func groupARN(region, acct, name string) string {
	return "arn:aws:logs:" + region + ":" + acct + ":log-group:" + name
}

func streamARN(region, acct, group, stream string) string {
	return groupARN(region, acct, group) + ":log-stream:" + stream
}

// Mux returns the operation table.
func (s *Service) Mux() *awsjson.Mux {
	m := awsjson.NewMux("Logs_20140328", "application/x-amz-json-1.1")
	grp := func(action string) func(c *service.Call, name string) service.Check {
		return func(c *service.Call, name string) service.Check {
			return service.Check{Action: action, Resource: groupARN(c.Region, c.Caller.Account(), name) + ":*"}
		}
	}
	awsjson.Register(m, service.Op[CreateLogGroupIn, struct{}]{Name: "CreateLogGroup", Run: s.CreateLogGroup,
		Check: func(c *service.Call, in *CreateLogGroupIn) service.Check {
			return grp("logs:CreateLogGroup")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[GroupNameIn, struct{}]{Name: "DeleteLogGroup", Run: s.DeleteLogGroup,
		Check: func(c *service.Call, in *GroupNameIn) service.Check {
			return grp("logs:DeleteLogGroup")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[DescribeGroupsIn, DescribeGroupsOut]{Name: "DescribeLogGroups", Run: s.DescribeLogGroups,
		Check: func(c *service.Call, in *DescribeGroupsIn) service.Check {
			return service.Check{Action: "logs:DescribeLogGroups", Resource: groupARN(c.Region, c.Caller.Account(), "*")}
		}})
	awsjson.Register(m, service.Op[RetentionIn, struct{}]{Name: "PutRetentionPolicy", Run: s.PutRetentionPolicy,
		Check: func(c *service.Call, in *RetentionIn) service.Check {
			return grp("logs:PutRetentionPolicy")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[GroupNameIn, struct{}]{Name: "DeleteRetentionPolicy", Run: s.DeleteRetentionPolicy,
		Check: func(c *service.Call, in *GroupNameIn) service.Check {
			return grp("logs:DeleteRetentionPolicy")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[StreamIn, struct{}]{Name: "CreateLogStream", Run: s.CreateLogStream,
		Check: func(c *service.Call, in *StreamIn) service.Check {
			return service.Check{Action: "logs:CreateLogStream", Resource: streamARN(c.Region, c.Caller.Account(), in.LogGroupName, in.LogStreamName)}
		}})
	awsjson.Register(m, service.Op[StreamIn, struct{}]{Name: "DeleteLogStream", Run: s.DeleteLogStream,
		Check: func(c *service.Call, in *StreamIn) service.Check {
			return service.Check{Action: "logs:DeleteLogStream", Resource: streamARN(c.Region, c.Caller.Account(), in.LogGroupName, in.LogStreamName)}
		}})
	awsjson.Register(m, service.Op[DescribeStreamsIn, DescribeStreamsOut]{Name: "DescribeLogStreams", Run: s.DescribeLogStreams,
		Check: func(c *service.Call, in *DescribeStreamsIn) service.Check {
			return grp("logs:DescribeLogStreams")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[PutEventsIn, PutEventsOut]{Name: "PutLogEvents", Run: s.PutLogEvents,
		Check: func(c *service.Call, in *PutEventsIn) service.Check {
			return service.Check{Action: "logs:PutLogEvents", Resource: streamARN(c.Region, c.Caller.Account(), in.LogGroupName, in.LogStreamName)}
		}})
	awsjson.Register(m, service.Op[GetEventsIn, GetEventsOut]{Name: "GetLogEvents", Run: s.GetLogEvents,
		Check: func(c *service.Call, in *GetEventsIn) service.Check {
			return service.Check{Action: "logs:GetLogEvents", Resource: streamARN(c.Region, c.Caller.Account(), in.LogGroupName, in.LogStreamName)}
		}})
	awsjson.Register(m, service.Op[FilterIn, FilterOut]{Name: "FilterLogEvents", Run: s.FilterLogEvents,
		Check: func(c *service.Call, in *FilterIn) service.Check {
			return grp("logs:FilterLogEvents")(c, in.LogGroupName)
		}})
	awsjson.Register(m, service.Op[TagsIn, TagsOut]{Name: "ListTagsLogGroup", Run: s.ListTagsLogGroup,
		Check: func(c *service.Call, in *TagsIn) service.Check {
			return grp("logs:ListTagsLogGroup")(c, in.LogGroupName)
		}})
	return m
}
