// This file holds the operations' input and output shapes (Amazon
// CloudWatch Logs API Reference, "Data Types").

package logs

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
