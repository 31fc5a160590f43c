package cloudwatch

import "time"

// Wire shapes of the CloudWatch API (2010-08-01). Field names are the
// members of the botocore/Smithy model, so the same structs serve the query,
// JSON 1.0 and RPC v2 CBOR protocols. The service keeps its state in types of
// its own (metric.go, alarm.go).

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  string
	Value string
}

// DimensionFilter filters ListMetrics by dimension (Value optional).
type DimensionFilter struct {
	Name  string
	Value *string
}

// StatisticSet is a pre-aggregated set of values.
type StatisticSet struct {
	SampleCount *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

// MetricDatum is one entry of PutMetricData.
type MetricDatum struct {
	MetricName        string
	Dimensions        []Dimension
	Timestamp         *time.Time
	Value             *float64
	StatisticValues   *StatisticSet
	Values            []float64
	Counts            []float64
	Unit              string
	StorageResolution *int32
}

// Entity is the entity a group of metric data is associated with.
type Entity struct {
	KeyAttributes map[string]string
	Attributes    map[string]string
}

// EntityMetricData is metric data with the entity it belongs to.
type EntityMetricData struct {
	Entity     *Entity
	MetricData []MetricDatum
}

// PutMetricDataIn is PutMetricData's input. It has no output.
type PutMetricDataIn struct {
	Namespace              string
	MetricData             []MetricDatum
	EntityMetricData       []EntityMetricData
	StrictEntityValidation *bool
}

// GetMetricStatisticsIn is GetMetricStatistics' input.
type GetMetricStatisticsIn struct {
	Namespace          string
	MetricName         string
	Dimensions         []Dimension
	StartTime          *time.Time
	EndTime            *time.Time
	Period             *int32
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

// Datapoint is one period's statistics.
type Datapoint struct {
	Timestamp          *time.Time
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	Unit               string
	ExtendedStatistics map[string]float64
}

// GetMetricStatisticsOut is GetMetricStatistics' output.
type GetMetricStatisticsOut struct {
	Label      string
	Datapoints []Datapoint
}

// Metric names a metric.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// MetricStat is a metric with the statistic and period to retrieve.
type MetricStat struct {
	Metric *Metric
	Period *int32
	Stat   string
	Unit   string
}

// MetricDataQuery is one query of GetMetricData or of a metric-query alarm.
type MetricDataQuery struct {
	Id         string
	MetricStat *MetricStat
	Expression string
	Label      string
	ReturnData *bool
	Period     *int32
	AccountId  string
}

// LabelOptions customizes GetMetricData labels.
type LabelOptions struct {
	Timezone string
}

// GetMetricDataIn is GetMetricData's input.
type GetMetricDataIn struct {
	MetricDataQueries []MetricDataQuery
	StartTime         *time.Time
	EndTime           *time.Time
	NextToken         string
	ScanBy            string
	MaxDatapoints     *int32
	LabelOptions      *LabelOptions
}

// MessageData is a message attached to a result.
type MessageData struct {
	Code  string
	Value string
}

// MetricDataResult is one query's result.
type MetricDataResult struct {
	Id         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	StatusCode string
	Messages   []MessageData
}

// GetMetricDataOut is GetMetricData's output.
type GetMetricDataOut struct {
	MetricDataResults []MetricDataResult
	NextToken         string
	Messages          []MessageData
}

// ListMetricsIn is ListMetrics' input.
type ListMetricsIn struct {
	Namespace             string
	MetricName            string
	Dimensions            []DimensionFilter
	NextToken             string
	RecentlyActive        string
	IncludeLinkedAccounts *bool
	OwningAccount         string
}

// ListMetricsOut is ListMetrics' output.
type ListMetricsOut struct {
	Metrics   []Metric
	NextToken string
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// PutMetricAlarmIn is PutMetricAlarm's input. It has no output.
type PutMetricAlarmIn struct {
	AlarmName                        string
	AlarmDescription                 *string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       string
	Namespace                        string
	Statistic                        string
	ExtendedStatistic                string
	Dimensions                       []Dimension
	Period                           *int32
	Unit                             string
	EvaluationPeriods                *int32
	DatapointsToAlarm                *int32
	Threshold                        *float64
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	Metrics                          []MetricDataQuery
	Tags                             []Tag
	ThresholdMetricId                string
}

// MetricAlarm describes an alarm in DescribeAlarms.
type MetricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   *string
	AlarmConfigurationUpdatedTimestamp *time.Time
	ActionsEnabled                     *bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        string
	StateReasonData                    string
	StateUpdatedTimestamp              *time.Time
	MetricName                         string
	Namespace                          string
	Statistic                          string
	ExtendedStatistic                  string
	Dimensions                         []Dimension
	Period                             *int32
	Unit                               string
	EvaluationPeriods                  *int32
	DatapointsToAlarm                  *int32
	Threshold                          *float64
	ComparisonOperator                 string
	TreatMissingData                   string
	EvaluateLowSampleCountPercentile   string
	Metrics                            []MetricDataQuery
	ThresholdMetricId                  string
	StateTransitionedTimestamp         *time.Time
}

// DescribeAlarmsIn is DescribeAlarms' input.
type DescribeAlarmsIn struct {
	AlarmNames          []string
	AlarmNamePrefix     string
	AlarmTypes          []string
	ChildrenOfAlarmName string
	ParentsOfAlarmName  string
	StateValue          string
	ActionPrefix        string
	MaxRecords          *int32
	NextToken           string
}

// CompositeAlarm is listed by DescribeAlarms; the emulator has none.
type CompositeAlarm struct {
	AlarmName string
	AlarmArn  string
}

// DescribeAlarmsOut is DescribeAlarms' output.
type DescribeAlarmsOut struct {
	CompositeAlarms []CompositeAlarm
	MetricAlarms    []MetricAlarm
	NextToken       string
}

// DescribeAlarmsForMetricIn is DescribeAlarmsForMetric's input.
type DescribeAlarmsForMetricIn struct {
	MetricName        string
	Namespace         string
	Statistic         string
	ExtendedStatistic string
	Dimensions        []Dimension
	Period            *int32
	Unit              string
}

// DescribeAlarmsForMetricOut is DescribeAlarmsForMetric's output.
type DescribeAlarmsForMetricOut struct {
	MetricAlarms []MetricAlarm
}

// AlarmNamesIn is the input of DeleteAlarms, EnableAlarmActions and
// DisableAlarmActions. They have no output.
type AlarmNamesIn struct {
	AlarmNames []string
}

// SetAlarmStateIn is SetAlarmState's input. It has no output.
type SetAlarmStateIn struct {
	AlarmName       string
	StateValue      string
	StateReason     string
	StateReasonData *string
}

// DescribeAlarmHistoryIn is DescribeAlarmHistory's input.
type DescribeAlarmHistoryIn struct {
	AlarmName       string
	AlarmTypes      []string
	HistoryItemType string
	StartDate       *time.Time
	EndDate         *time.Time
	MaxRecords      *int32
	NextToken       string
	ScanBy          string
}

// AlarmHistoryItem is one history record.
type AlarmHistoryItem struct {
	AlarmName       string
	AlarmType       string
	Timestamp       *time.Time
	HistoryItemType string
	HistorySummary  string
	HistoryData     string
}

// DescribeAlarmHistoryOut is DescribeAlarmHistory's output.
type DescribeAlarmHistoryOut struct {
	AlarmHistoryItems []AlarmHistoryItem
	NextToken         string
}
