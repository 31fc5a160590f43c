package logs

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
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

// Error codes (Amazon CloudWatch Logs API Reference, "Common Errors").
func errNotFound(msg string) error {
	return awserr.New(http.StatusBadRequest, "ResourceNotFoundException", "%s", msg)
}

func errExists(msg string) error {
	return awserr.New(http.StatusBadRequest, "ResourceAlreadyExistsException", "%s", msg)
}

func errInvalid(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

func scope(ctx context.Context) (acct, region string) {
	c := service.FromContext(ctx)
	return c.Caller.Account(), c.Region
}

func checkGroupName(n string) error {
	if n == "" || len(n) > 512 {
		return errInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must have length between 1 and 512", n)
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-/.#", r)) {
			return errInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", n)
		}
	}
	return nil
}

func checkStreamName(n string) error {
	if n == "" || len(n) > 512 || strings.ContainsAny(n, ":*") {
		return errInvalid("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", n)
	}
	return nil
}

// ARNs for authorization (Service Authorization Reference, Amazon
// CloudWatch Logs: log-group and log-stream resources).
func groupARN(region, acct, name string) string {
	return "arn:aws:logs:" + region + ":" + acct + ":log-group:" + name
}

func streamARN(region, acct, group, stream string) string {
	return groupARN(region, acct, group) + ":log-stream:" + stream
}

// Input and output shapes.

// CreateLogGroupIn is CreateLogGroup's input.
type CreateLogGroupIn struct {
	LogGroupName  string
	Tags          map[string]string
	LogGroupClass string
}

// GroupNameIn names a log group.
type GroupNameIn struct{ LogGroupName string }

// RetentionIn is PutRetentionPolicy's input.
type RetentionIn struct {
	LogGroupName    string
	RetentionInDays int32
}

// StreamIn names a log stream.
type StreamIn struct {
	LogGroupName  string
	LogStreamName string
}

// DescribeGroupsIn is DescribeLogGroups' input.
type DescribeGroupsIn struct {
	LogGroupNamePrefix string
	Limit              int
	NextToken          string
}

// GroupOut is the LogGroup shape.
type GroupOut struct {
	LogGroupName    string `json:"logGroupName"`
	CreationTime    int64  `json:"creationTime"`
	RetentionInDays int32  `json:"retentionInDays,omitempty"`
	Arn             string `json:"arn"`
	LogGroupArn     string `json:"logGroupArn"`
	StoredBytes     int64  `json:"storedBytes"`
	LogGroupClass   string `json:"logGroupClass"`
	MetricFilters   int    `json:"metricFilterCount"`
}

// DescribeGroupsOut is DescribeLogGroups' output.
type DescribeGroupsOut struct {
	LogGroups []GroupOut `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

// DescribeStreamsIn is DescribeLogStreams' input.
type DescribeStreamsIn struct {
	LogGroupName        string
	LogGroupIdentifier  string
	LogStreamNamePrefix string
	OrderBy             string
	Descending          bool
	Limit               int
	NextToken           string
}

// StreamOut is the LogStream shape.
type StreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// DescribeStreamsOut is DescribeLogStreams' output.
type DescribeStreamsOut struct {
	LogStreams []StreamOut `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

// InputEvent is an InputLogEvent.
type InputEvent struct {
	Timestamp int64
	Message   string
}

// PutEventsIn is PutLogEvents' input.
type PutEventsIn struct {
	LogGroupName  string
	LogStreamName string
	LogEvents     []InputEvent
	SequenceToken string
}

// RejectedInfo is RejectedLogEventsInfo.
type RejectedInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

// PutEventsOut is PutLogEvents' output.
type PutEventsOut struct {
	NextSequenceToken     string        `json:"nextSequenceToken"`
	RejectedLogEventsInfo *RejectedInfo `json:"rejectedLogEventsInfo,omitempty"`
}

// GetEventsIn is GetLogEvents' input.
type GetEventsIn struct {
	LogGroupName  string
	LogStreamName string
	StartTime     *int64
	EndTime       *int64
	NextToken     string
	Limit         int
	StartFromHead *bool
}

// OutputEvent is an OutputLogEvent.
type OutputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// GetEventsOut is GetLogEvents' output.
type GetEventsOut struct {
	Events            []OutputEvent `json:"events"`
	NextForwardToken  string        `json:"nextForwardToken"`
	NextBackwardToken string        `json:"nextBackwardToken"`
}

// FilterIn is FilterLogEvents' input.
type FilterIn struct {
	LogGroupName        string
	LogGroupIdentifier  string
	LogStreamNames      []string
	LogStreamNamePrefix string
	StartTime           *int64
	EndTime             *int64
	FilterPattern       string
	NextToken           string
	Limit               int
	Interleaved         bool
}

// FilteredEvent is a FilteredLogEvent.
type FilteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// FilterOut is FilterLogEvents' output.
type FilterOut struct {
	Events             []FilteredEvent  `json:"events"`
	SearchedLogStreams []SearchedStream `json:"searchedLogStreams"`
	NextToken          string           `json:"nextToken,omitempty"`
}

// SearchedStream is a SearchedLogStream.
type SearchedStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

// TagsIn is ListTagsLogGroup's input.
type TagsIn struct{ LogGroupName string }

// TagsOut is ListTagsLogGroup's output.
type TagsOut struct {
	Tags map[string]string `json:"tags"`
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

// group returns a log group of the caller's account and region. Callers
// hold the lock.
func (s *Service) group(acct, region, name string) (*group, error) {
	g := s.store.groups[groupKey(acct, region, name)]
	if g == nil {
		return nil, errNotFound("The specified log group does not exist.")
	}
	return g, nil
}

// CreateGroup creates a log group in acct/region (in-process API).
func (s *Service) CreateGroup(acct, region, name string, retention int32, tags map[string]string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	if retention != 0 && !validRetention(retention) {
		return errInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", retention)
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	k := groupKey(acct, region, name)
	if s.store.groups[k] != nil {
		return errExists("The specified log group already exists")
	}
	g := &group{Account: acct, Region: region, Name: name, Created: nowMillis(s.now()), RetentionDays: retention, Class: "STANDARD", Tags: tags, streams: map[string]*stream{}}
	if err := s.store.saveGroup(g); err != nil {
		return err
	}
	s.store.groups[k] = g
	return nil
}

func validRetention(d int32) bool {
	for _, v := range []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653} {
		if d == v {
			return true
		}
	}
	return false
}

// CreateLogGroup creates a log group.
func (s *Service) CreateLogGroup(ctx context.Context, in *CreateLogGroupIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.CreateGroup(acct, region, in.LogGroupName, 0, in.Tags)
}

// DeleteLogGroup deletes a log group and its events.
func (s *Service) DeleteLogGroup(ctx context.Context, in *GroupNameIn) (*struct{}, error) {
	acct, region := scope(ctx)
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g, err := s.group(acct, region, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if err := s.store.removeGroup(g); err != nil {
		return nil, err
	}
	delete(s.store.groups, groupKey(acct, region, in.LogGroupName))
	return nil, nil
}

// PutRetentionPolicy sets a group's retention.
func (s *Service) PutRetentionPolicy(ctx context.Context, in *RetentionIn) (*struct{}, error) {
	if !validRetention(in.RetentionInDays) {
		return nil, errInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", in.RetentionInDays)
	}
	return nil, s.setRetention(ctx, in.LogGroupName, in.RetentionInDays)
}

// DeleteRetentionPolicy keeps a group's events forever.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *GroupNameIn) (*struct{}, error) {
	return nil, s.setRetention(ctx, in.LogGroupName, 0)
}

func (s *Service) setRetention(ctx context.Context, name string, days int32) error {
	acct, region := scope(ctx)
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g, err := s.group(acct, region, name)
	if err != nil {
		return err
	}
	old := g.RetentionDays
	g.RetentionDays = days
	if err := s.store.saveGroup(g); err != nil {
		g.RetentionDays = old
		return err
	}
	return nil
}

func pageToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("p:" + strconv.Itoa(n)))
}

func parseToken(t string) (int, error) {
	if t == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || !strings.HasPrefix(string(b), "p:") {
		return 0, errInvalid("The specified nextToken is invalid.")
	}
	return strconv.Atoi(string(b[2:]))
}

// DescribeLogGroups lists groups by prefix.
func (s *Service) DescribeLogGroups(ctx context.Context, in *DescribeGroupsIn) (*DescribeGroupsOut, error) {
	acct, region := scope(ctx)
	start, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	gs := s.store.sortedGroups(acct, region, in.LogGroupNamePrefix)
	out := &DescribeGroupsOut{LogGroups: []GroupOut{}}
	for i := start; i < len(gs); i++ {
		if len(out.LogGroups) == limit {
			out.NextToken = pageToken(i)
			break
		}
		g := gs[i]
		var bytes int64
		for _, st := range g.streams {
			bytes += st.StoredBytes
		}
		out.LogGroups = append(out.LogGroups, GroupOut{LogGroupName: g.Name, CreationTime: g.Created, RetentionInDays: g.RetentionDays,
			Arn: g.arn() + ":*", LogGroupArn: g.arn(), StoredBytes: bytes, LogGroupClass: g.Class})
	}
	return out, nil
}

// CreateStream creates a stream in an existing group (in-process API).
func (s *Service) CreateStream(acct, region, groupName, name string) error {
	if err := checkStreamName(name); err != nil {
		return err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g, err := s.group(acct, region, groupName)
	if err != nil {
		return err
	}
	if g.streams[name] != nil {
		return errExists("The specified log stream already exists")
	}
	st := &stream{Name: name, Created: nowMillis(s.now())}
	if err := s.store.appendEvents(g, st, nil); err != nil {
		return err
	}
	g.streams[name] = st
	return nil
}

// CreateLogStream creates a log stream.
func (s *Service) CreateLogStream(ctx context.Context, in *StreamIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.CreateStream(acct, region, in.LogGroupName, in.LogStreamName)
}

// DeleteLogStream deletes a log stream.
func (s *Service) DeleteLogStream(ctx context.Context, in *StreamIn) (*struct{}, error) {
	acct, region := scope(ctx)
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g, err := s.group(acct, region, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, errNotFound("The specified log stream does not exist.")
	}
	if err := s.store.removeStream(g, st); err != nil {
		return nil, err
	}
	delete(g.streams, in.LogStreamName)
	return nil, nil
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
	start, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	g, err := s.group(acct, region, name)
	if err != nil {
		return nil, err
	}
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
	out := &DescribeStreamsOut{LogStreams: []StreamOut{}}
	for i := start; i < len(sts); i++ {
		if len(out.LogStreams) == limit {
			out.NextToken = pageToken(i)
			break
		}
		st := sts[i]
		out.LogStreams = append(out.LogStreams, StreamOut{LogStreamName: st.Name, CreationTime: st.Created, FirstEventTimestamp: st.FirstEvent,
			LastEventTimestamp: st.LastEvent, LastIngestionTime: st.LastIngestion, Arn: streamARN(region, acct, g.Name, st.Name), StoredBytes: st.StoredBytes})
	}
	return out, nil
}

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
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g, err := s.group(acct, region, groupName)
	if err != nil {
		return nil, err
	}
	st := g.streams[streamName]
	if st == nil {
		return nil, errNotFound("The specified log stream does not exist.")
	}
	now := nowMillis(s.now())
	out := &PutEventsOut{}
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
			return nil, err
		}
	}
	for _, e := range kept {
		st.add(e)
	}
	out.NextSequenceToken = strconv.FormatInt(g.seq, 10)
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
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	g, err := s.group(acct, region, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, errNotFound("The specified log stream does not exist.")
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
		return nil, errInvalid("The specified nextToken is invalid.")
	case fromHead:
		hi = min(limit, len(sel))
	default:
		lo = max(len(sel)-limit, 0)
	}
	out := &GetEventsOut{Events: []OutputEvent{}, NextForwardToken: "f/" + strconv.Itoa(hi), NextBackwardToken: "b/" + strconv.Itoa(lo)}
	for _, e := range sel[lo:hi] {
		out.Events = append(out.Events, OutputEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.IngestionTime})
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
	start, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	g, err := s.group(acct, region, name)
	if err != nil {
		return nil, err
	}
	type hit struct {
		stream string
		e      Event
	}
	var hits []hit
	out := &FilterOut{Events: []FilteredEvent{}, SearchedLogStreams: []SearchedStream{}}
	for _, st := range g.streams {
		if len(in.LogStreamNames) > 0 && !contains(in.LogStreamNames, st.Name) {
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
	for i := start; i < len(hits); i++ {
		if len(out.Events) == limit {
			out.NextToken = pageToken(i)
			break
		}
		h := hits[i]
		out.Events = append(out.Events, FilteredEvent{LogStreamName: h.stream, Timestamp: h.e.Timestamp, Message: h.e.Message, IngestionTime: h.e.IngestionTime,
			EventID: fmt.Sprintf("%056d", h.e.Seq)})
	}
	return out, nil
}

// ListTagsLogGroup lists a group's tags.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *TagsIn) (*TagsOut, error) {
	acct, region := scope(ctx)
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	g, err := s.group(acct, region, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	tags := g.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &TagsOut{Tags: tags}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
