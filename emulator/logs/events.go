// This file holds the log event operations: PutLogEvents (and Append,
// the in-process sink), GetLogEvents and FilterLogEvents.

package logs

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// PutLogEvents limits (Amazon CloudWatch Logs API Reference, PutLogEvents).
const (
	maxBatchEvents = 10000
	maxBatchBytes  = 1048576
	maxEventBytes  = 1048550
)

// Append writes events to a stream (in-process API: the Lambda runtime).
func (s *Service) Append(acct, region, groupName, streamName string, events []InputEvent) (*PutEventsOut, error) {
	if len(events) == 0 {
		return nil, errInvalid("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(events) > maxBatchEvents {
		return nil, errInvalid("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000")
	}
	size := 0
	for i, e := range events {
		size += len(e.Message) + 26
		if len(e.Message) > maxEventBytes {
			return nil, errInvalid("Log event too large")
		}
		if i > 0 && e.Timestamp < events[i-1].Timestamp {
			return nil, errInvalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return nil, errInvalid("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	if events[len(events)-1].Timestamp-events[0].Timestamp > 24*3600*1000 {
		return nil, errInvalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	var out *PutEventsOut
	err := s.store.update(acct, region, groupName, func(g *group) error {
		st, err := streamOf(g, streamName)
		if err != nil {
			return err
		}
		now := nowMillis(s.now())
		out = &PutEventsOut{}
		seq := g.seq
		var kept []Event
		for i, e := range events {
			switch {
			case e.Timestamp > now+2*3600*1000:
				if out.RejectedLogEventsInfo == nil {
					out.RejectedLogEventsInfo = &RejectedInfo{}
				}
				if out.RejectedLogEventsInfo.TooNewLogEventStartIndex == nil {
					idx := i
					out.RejectedLogEventsInfo.TooNewLogEventStartIndex = &idx
				}
			case e.Timestamp < now-14*24*3600*1000:
				if out.RejectedLogEventsInfo == nil {
					out.RejectedLogEventsInfo = &RejectedInfo{}
				}
				idx := i
				out.RejectedLogEventsInfo.TooOldLogEventEndIndex = &idx
			default:
				g.seq++
				kept = append(kept, Event{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: now, Seq: g.seq})
			}
		}
		if len(kept) > 0 {
			if err := s.store.appendEvents(g, st, kept); err != nil {
				g.seq = seq // nothing of the batch was stored
				return err
			}
		}
		for _, e := range kept {
			st.add(e)
		}
		out.NextSequenceToken = strconv.FormatInt(g.seq, 10)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutLogEvents uploads a batch (the deprecated sequence token is accepted
// and ignored, as CloudWatch Logs now does).
func (s *Service) PutLogEvents(ctx context.Context, in *PutEventsIn) (*PutEventsOut, error) {
	acct, region := scope(ctx)
	return s.Append(acct, region, in.LogGroupName, in.LogStreamName, in.LogEvents)
}

func inRange(t int64, start, end *int64) bool {
	return (start == nil || t >= *start) && (end == nil || t < *end)
}

// GetLogEvents reads one stream, oldest first from the head or newest
// last from the tail.
func (s *Service) GetLogEvents(ctx context.Context, in *GetEventsIn) (*GetEventsOut, error) {
	acct, region := scope(ctx)
	limit := in.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	var out *GetEventsOut
	err := s.store.view(acct, region, in.LogGroupName, func(g *group) error {
		st, err := streamOf(g, in.LogStreamName)
		if err != nil {
			return err
		}
		var sel []Event
		for _, e := range st.events {
			if inRange(e.Timestamp, in.StartTime, in.EndTime) {
				sel = append(sel, e)
			}
		}
		// Tokens are f/N (forward from index N) and b/N (backward ending at N).
		fromHead := in.StartFromHead != nil && *in.StartFromHead
		lo, hi := 0, len(sel)
		switch {
		case strings.HasPrefix(in.NextToken, "f/"):
			n, _ := strconv.Atoi(in.NextToken[2:])
			lo, hi = min(n, len(sel)), min(n+limit, len(sel))
		case strings.HasPrefix(in.NextToken, "b/"):
			n, _ := strconv.Atoi(in.NextToken[2:])
			hi = min(n, len(sel))
			lo = max(hi-limit, 0)
		case in.NextToken != "":
			return errInvalid("The specified nextToken is invalid.")
		case fromHead:
			hi = min(limit, len(sel))
		default:
			lo = max(len(sel)-limit, 0)
		}
		out = &GetEventsOut{Events: []OutputEvent{}, NextForwardToken: "f/" + strconv.Itoa(hi), NextBackwardToken: "b/" + strconv.Itoa(lo)}
		for _, e := range sel[lo:hi] {
			out.Events = append(out.Events, OutputEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.IngestionTime})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FilterLogEvents searches a group's streams.
func (s *Service) FilterLogEvents(ctx context.Context, in *FilterIn) (*FilterOut, error) {
	acct, region := scope(ctx)
	name := in.LogGroupName
	if name == "" {
		name = in.LogGroupIdentifier
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, errInvalid("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	f, err := ParseFilter(in.FilterPattern)
	if err != nil {
		return nil, errInvalid("%s", err.Error())
	}
	start, limit, err := pageOf(in.NextToken, in.Limit, 10000)
	if err != nil {
		return nil, err
	}
	var out *FilterOut
	err = s.store.view(acct, region, name, func(g *group) error {
		type hit struct {
			stream string
			e      Event
		}
		var hits []hit
		out = &FilterOut{Events: []FilteredEvent{}, SearchedLogStreams: []SearchedStream{}}
		for _, st := range g.streams {
			if len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, st.Name) {
				continue
			}
			if !strings.HasPrefix(st.Name, in.LogStreamNamePrefix) {
				continue
			}
			out.SearchedLogStreams = append(out.SearchedLogStreams, SearchedStream{LogStreamName: st.Name, SearchedCompletely: true})
			for _, e := range st.events {
				if inRange(e.Timestamp, in.StartTime, in.EndTime) && f.Match(e.Message) {
					hits = append(hits, hit{st.Name, e})
				}
			}
		}
		sort.Slice(hits, func(i, j int) bool {
			if hits[i].e.Timestamp != hits[j].e.Timestamp {
				return hits[i].e.Timestamp < hits[j].e.Timestamp
			}
			return hits[i].e.Seq < hits[j].e.Seq
		})
		sort.Slice(out.SearchedLogStreams, func(i, j int) bool {
			return out.SearchedLogStreams[i].LogStreamName < out.SearchedLogStreams[j].LogStreamName
		})
		var page []hit
		page, out.NextToken = paging.Page(hits, start, limit)
		for _, h := range page {
			out.Events = append(out.Events, FilteredEvent{LogStreamName: h.stream, Timestamp: h.e.Timestamp, Message: h.e.Message, IngestionTime: h.e.IngestionTime,
				EventID: fmt.Sprintf("%056d", h.e.Seq)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
