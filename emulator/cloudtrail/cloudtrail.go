package cloudtrail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/service"
)

// DefaultCapacity is how many events the emulator keeps (all accounts).
const DefaultCapacity = 10000

// Options configures the Service.
type Options struct {
	// Capacity is how many events are kept, oldest dropped first
	// (DefaultCapacity when 0).
	Capacity int
}

// Service keeps the events in a bounded ring, in memory, and serves
// LookupEvents. Add never blocks on I/O. It is safe for concurrent use.
type Service struct {
	mu   sync.Mutex
	ring []stored
	next int
	seq  uint64
	cap  int
}

type stored struct {
	seq uint64
	ev  *Event
}

// New returns the CloudTrail service.
func New(o Options) *Service {
	if o.Capacity <= 0 {
		o.Capacity = DefaultCapacity
	}
	return &Service{cap: o.Capacity}
}

// Add records ev (the caller keeps no reference to it).
func (s *Service) Add(ev *Event) {
	s.mu.Lock()
	s.seq++
	it := stored{seq: s.seq, ev: ev}
	if len(s.ring) < s.cap {
		s.ring = append(s.ring, it)
	} else {
		s.ring[s.next] = it
		s.next = (s.next + 1) % s.cap
	}
	s.mu.Unlock()
}

// LookupAttribute is one LookupEvents filter.
type LookupAttribute struct {
	AttributeKey   string
	AttributeValue string
}

// LookupEventsIn is LookupEvents' input. Times are JSON 1.1 timestamps
// (seconds since the epoch).
type LookupEventsIn struct {
	LookupAttributes []LookupAttribute
	StartTime        *float64
	EndTime          *float64
	EventCategory    string
	MaxResults       *int
	NextToken        string
}

// LookupEventsOut is LookupEvents' output.
type LookupEventsOut struct {
	Events    []EventOut `json:"Events"`
	NextToken string     `json:"NextToken,omitempty"`
}

// EventOut is one event as LookupEvents returns it.
type EventOut struct {
	EventId         string        `json:"EventId"`
	EventName       string        `json:"EventName"`
	ReadOnly        string        `json:"ReadOnly"`
	AccessKeyId     string        `json:"AccessKeyId,omitempty"`
	EventTime       float64       `json:"EventTime"`
	EventSource     string        `json:"EventSource"`
	Username        string        `json:"Username,omitempty"`
	Resources       []ResourceOut `json:"Resources"`
	CloudTrailEvent string        `json:"CloudTrailEvent"`
}

// ResourceOut is a resource as LookupEvents returns it.
type ResourceOut struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName"`
}

// Mux returns the JSON 1.1 API (target prefix
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
func (s *Service) Mux() *awsjson.Mux {
	m := awsjson.NewMux("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "application/x-amz-json-1.1")
	awsjson.Register(m, service.Op[LookupEventsIn, LookupEventsOut]{Name: "LookupEvents", Run: s.LookupEvents,
		Check: func(c *service.Call, in *LookupEventsIn) service.Check {
			// LookupEvents has no resource (Service Authorization
			// Reference, "Actions defined by AWS CloudTrail").
			return service.Check{Action: "cloudtrail:LookupEvents", Resource: "*"}
		}})
	return m
}

var attributeKeys = []string{"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"}

func invalid(code, format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, code, format, args...)
}

// LookupEvents returns the caller's account's management events in the
// request's region, newest first, filtered by at most one attribute and a
// time range, MaxResults (1-50, default 50) at a time (AWS CloudTrail API
// Reference, LookupEvents).
func (s *Service) LookupEvents(ctx context.Context, in *LookupEventsIn) (*LookupEventsOut, error) {
	call := service.FromContext(ctx)
	acct, region := call.Caller.Account(), call.Region
	if len(in.LookupAttributes) > 1 {
		return nil, invalid("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	var attr *LookupAttribute
	if len(in.LookupAttributes) == 1 {
		attr = &in.LookupAttributes[0]
		known := false
		for _, k := range attributeKeys {
			known = known || k == attr.AttributeKey
		}
		if !known {
			return nil, invalid("InvalidLookupAttributesException", "Lookup attribute key %q is not valid; valid keys are %s.", attr.AttributeKey, strings.Join(attributeKeys, ", "))
		}
		if attr.AttributeValue == "" {
			return nil, invalid("InvalidLookupAttributesException", "The value of lookup attribute %s must not be empty.", attr.AttributeKey)
		}
	}
	if in.EventCategory != "" && in.EventCategory != "insight" {
		return nil, invalid("InvalidEventCategoryException", "Event category %q is not valid; the only valid value is insight.", in.EventCategory)
	}
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, invalid("InvalidMaxResultsException", "MaxResults must be from 1 to 50; got %d.", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	var start, end time.Time
	for _, t := range []struct {
		v   *float64
		out *time.Time
	}{{in.StartTime, &start}, {in.EndTime, &end}} {
		if t.v == nil {
			continue
		}
		if math.IsNaN(*t.v) || math.IsInf(*t.v, 0) || *t.v < 0 || *t.v > 1e11 {
			return nil, invalid("InvalidTimeRangeException", "The time range is not valid.")
		}
		sec, frac := math.Modf(*t.v)
		*t.out = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	if !start.IsZero() && !end.IsZero() && start.After(end) {
		return nil, invalid("InvalidTimeRangeException", "The start time must not be after the end time.")
	}
	filterKey := fmt.Sprintf("%s|%s|%v|%v|%d", acct, region, attr, in.EventCategory, limit)
	var after uint64 // events with a smaller seq than this: the next page
	if in.NextToken != "" {
		seq, ok := parseToken(in.NextToken, filterKey)
		if !ok {
			return nil, invalid("InvalidNextTokenException", "A token that is not valid, or a token that was previously used in a request with different parameters.")
		}
		after = seq
	}
	out := &LookupEventsOut{Events: []EventOut{}}
	if in.EventCategory == "insight" {
		return out, nil // the emulator has no Insights events
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ring)
	for i := n - 1; i >= 0; i-- {
		idx := i
		if n == s.cap {
			idx = (s.next + i) % n
		}
		it := s.ring[idx]
		ev := it.ev
		if after != 0 && it.seq >= after {
			continue
		}
		if ev.RecipientAccountID != acct || ev.AWSRegion != region {
			continue
		}
		if !start.IsZero() && ev.EventTime.Before(start) || !end.IsZero() && ev.EventTime.After(end) {
			continue
		}
		if attr != nil && !matches(ev, attr) {
			continue
		}
		if len(out.Events) == limit {
			out.NextToken = makeToken(s.ring[idx].seq+1, filterKey)
			break
		}
		out.Events = append(out.Events, lookupOut(ev))
	}
	return out, nil
}

// username is what LookupEvents reports as Username: the user's name, the
// role session's name, "root".
func username(ev *Event) string {
	u := ev.UserIdentity
	switch u.Type {
	case "Root":
		return "root"
	case "AssumedRole":
		if i := strings.LastIndex(u.ARN, "/"); i >= 0 {
			return u.ARN[i+1:]
		}
	}
	return u.UserName
}

func matches(ev *Event, a *LookupAttribute) bool {
	v := a.AttributeValue
	switch a.AttributeKey {
	case "EventId":
		return ev.EventID == v
	case "EventName":
		return ev.EventName == v
	case "ReadOnly":
		return strconv.FormatBool(ev.ReadOnly) == v
	case "Username":
		return username(ev) == v
	case "EventSource":
		return ev.EventSource == v
	case "AccessKeyId":
		return ev.UserIdentity.AccessKeyID == v
	case "ResourceType", "ResourceName":
		for _, r := range ev.Resources {
			if a.AttributeKey == "ResourceType" && r.Type == v || a.AttributeKey == "ResourceName" && r.ARN == v {
				return true
			}
		}
	}
	return false
}

func lookupOut(ev *Event) EventOut {
	b, _ := json.Marshal(ev)
	out := EventOut{
		EventId: ev.EventID, EventName: ev.EventName, ReadOnly: strconv.FormatBool(ev.ReadOnly),
		AccessKeyId: ev.UserIdentity.AccessKeyID, EventTime: float64(ev.EventTime.Unix()),
		EventSource: ev.EventSource, Username: username(ev), Resources: []ResourceOut{}, CloudTrailEvent: string(b),
	}
	for _, r := range ev.Resources {
		out.Resources = append(out.Resources, ResourceOut{ResourceType: r.Type, ResourceName: r.ARN})
	}
	return out
}

// makeToken and parseToken bind a page's position to the query's
// parameters, so a token reused with others is refused as AWS refuses it.
func makeToken(seq uint64, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(seq, 10) + "|" + key))
}

func parseToken(tok, key string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	seqText, rest, ok := strings.Cut(string(b), "|")
	if !ok || rest != key {
		return 0, false
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	return seq, err == nil && seq > 0
}
