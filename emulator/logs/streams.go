// This file holds the log stream operations.

package logs

import (
	"context"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// CreateStream creates a stream in an existing group (in-process API).
func (s *Service) CreateStream(acct, region, groupName, name string) error {
	if err := checkStreamName(name); err != nil {
		return err
	}
	return s.store.addStream(acct, region, groupName, &stream{Name: name, Created: nowMillis(s.now())})
}

// CreateLogStream creates a log stream.
func (s *Service) CreateLogStream(ctx context.Context, in *StreamIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.CreateStream(acct, region, in.LogGroupName, in.LogStreamName)
}

// DeleteLogStream deletes a log stream.
func (s *Service) DeleteLogStream(ctx context.Context, in *StreamIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.store.deleteStream(acct, region, in.LogGroupName, in.LogStreamName)
}

// DescribeLogStreams lists a group's streams.
func (s *Service) DescribeLogStreams(ctx context.Context, in *DescribeStreamsIn) (*DescribeStreamsOut, error) {
	acct, region := scope(ctx)
	name := in.LogGroupName
	if name == "" {
		name = in.LogGroupIdentifier
	}
	if in.OrderBy == "LastEventTime" && in.LogStreamNamePrefix != "" {
		return nil, errInvalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	start, limit, err := pageOf(in.NextToken, in.Limit, 50)
	if err != nil {
		return nil, err
	}
	var out *DescribeStreamsOut
	err = s.store.view(acct, region, name, func(g *group) error {
		var sts []*stream
		for _, st := range g.streams {
			if strings.HasPrefix(st.Name, in.LogStreamNamePrefix) {
				sts = append(sts, st)
			}
		}
		sort.Slice(sts, func(i, j int) bool {
			if in.OrderBy == "LastEventTime" && sts[i].LastEvent != sts[j].LastEvent {
				return sts[i].LastEvent < sts[j].LastEvent
			}
			return sts[i].Name < sts[j].Name
		})
		if in.Descending {
			for i, j := 0, len(sts)-1; i < j; i, j = i+1, j-1 {
				sts[i], sts[j] = sts[j], sts[i]
			}
		}
		out = &DescribeStreamsOut{LogStreams: []StreamOut{}}
		var page []*stream
		page, out.NextToken = paging.Page(sts, start, limit)
		for _, st := range page {
			out.LogStreams = append(out.LogStreams, StreamOut{LogStreamName: st.Name, CreationTime: st.Created, FirstEventTimestamp: st.FirstEvent,
				LastEventTimestamp: st.LastEvent, LastIngestionTime: st.LastIngestion, Arn: streamARN(region, acct, g.Name, st.Name), StoredBytes: st.StoredBytes})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
