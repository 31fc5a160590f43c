package cloudformation

import "time"

// Namespace is the XML namespace of CloudFormation's query responses.
const Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// Parameter is the Parameter shape (input and output).
type Parameter struct {
	ParameterKey     string
	ParameterValue   *string
	UsePreviousValue *bool
	ResolvedValue    *string
}

// Tag is the Tag shape.
type Tag struct {
	Key   string
	Value string
}

// Output is the Output shape.
type Output struct {
	OutputKey   string
	OutputValue string
	Description *string
	ExportName  *string
}

// StackDriftInformation is always NOT_CHECKED: drift detection is not
// emulated.
type StackDriftInformation struct {
	StackDriftStatus string
}

// Stack is the Stack shape of DescribeStacks.
type Stack struct {
	StackId           string
	StackName         string
	ChangeSetId       *string
	Description       *string
	Parameters        []Parameter
	CreationTime      time.Time
	LastUpdatedTime   *time.Time
	DeletionTime      *time.Time
	StackStatus       string
	StackStatusReason *string
	DisableRollback   bool
	NotificationARNs  []string
	Capabilities      []string
	Outputs           []Output
	// EnableTerminationProtection is always written, as AWS does.
	EnableTerminationProtection bool
	RoleARN                     *string
	Tags                        []Tag
	DriftInformation            StackDriftInformation
}

// StackEvent is the StackEvent shape.
type StackEvent struct {
	StackId              string
	EventId              string
	StackName            string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       string
	ResourceStatusReason *string
	ResourceProperties   *string
	ClientRequestToken   *string
}

// StackResource is the StackResource shape (DescribeStackResources).
type StackResource struct {
	StackName            string
	StackId              string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       string
	ResourceStatusReason *string
	DriftInformation     StackDriftInformation
}

// StackResourceSummary is the StackResourceSummary shape
// (ListStackResources).
type StackResourceSummary struct {
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	LastUpdatedTimestamp time.Time
	ResourceStatus       string
	ResourceStatusReason *string
	DriftInformation     StackDriftInformation
}

// StackSummary is the StackSummary shape (ListStacks).
type StackSummary struct {
	StackId             string
	StackName           string
	TemplateDescription *string
	CreationTime        time.Time
	LastUpdatedTime     *time.Time
	DeletionTime        *time.Time
	StackStatus         string
	StackStatusReason   *string
	DriftInformation    StackDriftInformation
}

// CreateStackIn is CreateStack's input.
type CreateStackIn struct {
	StackName          string
	TemplateBody       *string
	TemplateURL        *string
	Parameters         []Parameter
	DisableRollback    *bool
	OnFailure          *string
	TimeoutInMinutes   *int32
	NotificationARNs   []string
	Capabilities       []string
	RoleARN            *string
	Tags               []Tag
	ClientRequestToken *string

	EnableTerminationProtection *bool
}

// CreateStackOut is CreateStack's output.
type CreateStackOut struct{ StackId string }

// UpdateStackIn is UpdateStack's input.
type UpdateStackIn struct {
	StackName           string
	TemplateBody        *string
	TemplateURL         *string
	UsePreviousTemplate *bool
	Parameters          []Parameter
	DisableRollback     *bool
	NotificationARNs    []string
	Capabilities        []string
	RoleARN             *string
	Tags                []Tag
	ClientRequestToken  *string
}

// UpdateStackOut is UpdateStack's output.
type UpdateStackOut struct{ StackId string }

// DeleteStackIn is DeleteStack's input.
type DeleteStackIn struct {
	StackName          string
	RetainResources    []string
	RoleARN            *string
	ClientRequestToken *string
}

// DescribeStacksIn is DescribeStacks' input.
type DescribeStacksIn struct {
	StackName *string
	NextToken *string
}

// DescribeStacksOut is DescribeStacks' output.
type DescribeStacksOut struct {
	Stacks    []Stack
	NextToken *string
}

// DescribeStackEventsIn is DescribeStackEvents' input.
type DescribeStackEventsIn struct {
	StackName string
	NextToken *string
}

// DescribeStackEventsOut is DescribeStackEvents' output.
type DescribeStackEventsOut struct {
	StackEvents []StackEvent
	NextToken   *string
}

// DescribeStackResourcesIn is DescribeStackResources' input.
type DescribeStackResourcesIn struct {
	StackName          *string
	LogicalResourceId  *string
	PhysicalResourceId *string
}

// DescribeStackResourcesOut is DescribeStackResources' output.
type DescribeStackResourcesOut struct{ StackResources []StackResource }

// ListStackResourcesIn is ListStackResources' input.
type ListStackResourcesIn struct {
	StackName string
	NextToken *string
}

// ListStackResourcesOut is ListStackResources' output.
type ListStackResourcesOut struct {
	StackResourceSummaries []StackResourceSummary
	NextToken              *string
}

// ListStacksIn is ListStacks' input.
type ListStacksIn struct {
	NextToken         *string
	StackStatusFilter []string
}

// ListStacksOut is ListStacks' output.
type ListStacksOut struct {
	StackSummaries []StackSummary
	NextToken      *string
}

// GetTemplateIn is GetTemplate's input.
type GetTemplateIn struct {
	StackName     *string
	ChangeSetName *string
	TemplateStage *string
}

// GetTemplateOut is GetTemplate's output.
type GetTemplateOut struct {
	TemplateBody    string
	StagesAvailable []string
}

// ValidateTemplateIn is ValidateTemplate's input.
type ValidateTemplateIn struct {
	TemplateBody *string
	TemplateURL  *string
}

// TemplateParameter is the TemplateParameter shape.
type TemplateParameter struct {
	ParameterKey string
	DefaultValue *string
	NoEcho       bool
	Description  *string
}

// ValidateTemplateOut is ValidateTemplate's output.
type ValidateTemplateOut struct {
	Parameters         []TemplateParameter
	Description        *string
	Capabilities       []string
	CapabilitiesReason *string
	DeclaredTransforms []string
}

// CreateChangeSetIn is CreateChangeSet's input.
type CreateChangeSetIn struct {
	StackName           string
	TemplateBody        *string
	TemplateURL         *string
	UsePreviousTemplate *bool
	Parameters          []Parameter
	Capabilities        []string
	RoleARN             *string
	NotificationARNs    []string
	Tags                []Tag
	ChangeSetName       string
	ClientToken         *string
	Description         *string
	ChangeSetType       *string
	OnStackFailure      *string
}

// CreateChangeSetOut is CreateChangeSet's output.
type CreateChangeSetOut struct {
	Id      string
	StackId string
}

// ChangeSetRef names a change set (Describe, Execute, Delete).
type ChangeSetRef struct {
	ChangeSetName      string
	StackName          *string
	NextToken          *string
	ClientRequestToken *string
	DisableRollback    *bool
}

// ResourceChange is the ResourceChange shape.
type ResourceChange struct {
	Action             string
	LogicalResourceId  string
	PhysicalResourceId *string
	ResourceType       string
	Replacement        *string
	Scope              []string
	Details            []ResourceChangeDetail
}

// ResourceChangeDetail is the ResourceChangeDetail shape.
type ResourceChangeDetail struct {
	Target        ResourceTargetDefinition
	Evaluation    string
	ChangeSource  string
	CausingEntity *string
}

// ResourceTargetDefinition is the ResourceTargetDefinition shape.
type ResourceTargetDefinition struct {
	Attribute          string
	Name               *string
	RequiresRecreation *string
}

// Change is the Change shape.
type Change struct {
	Type           string
	ResourceChange ResourceChange
}

// DescribeChangeSetOut is DescribeChangeSet's output.
type DescribeChangeSetOut struct {
	ChangeSetName    string
	ChangeSetId      string
	StackId          string
	StackName        string
	Description      *string
	Parameters       []Parameter
	CreationTime     time.Time
	ExecutionStatus  string
	Status           string
	StatusReason     *string
	NotificationARNs []string
	Capabilities     []string
	Tags             []Tag
	Changes          []Change
}

// ChangeSetSummary is the ChangeSetSummary shape.
type ChangeSetSummary struct {
	StackId         string
	StackName       string
	ChangeSetId     string
	ChangeSetName   string
	ExecutionStatus string
	Status          string
	StatusReason    *string
	CreationTime    time.Time
	Description     *string
}

// ListChangeSetsIn is ListChangeSets' input.
type ListChangeSetsIn struct {
	StackName string
	NextToken *string
}

// ListChangeSetsOut is ListChangeSets' output.
type ListChangeSetsOut struct {
	Summaries []ChangeSetSummary
	NextToken *string
}

// Export is the Export shape.
type Export struct {
	ExportingStackId string
	Name             string
	Value            string
}

// ListExportsIn is ListExports' input.
type ListExportsIn struct{ NextToken *string }

// ListExportsOut is ListExports' output.
type ListExportsOut struct {
	Exports   []Export
	NextToken *string
}

// Empty is the output of operations that return nothing but metadata.
type Empty struct{}

// GetTemplateSummaryIn is GetTemplateSummary's input.
type GetTemplateSummaryIn struct {
	TemplateBody *string
	TemplateURL  *string
	StackName    *string
}

// ParameterConstraints is the ParameterConstraints shape.
type ParameterConstraints struct{ AllowedValues []string }

// ParameterDeclaration is the ParameterDeclaration shape.
type ParameterDeclaration struct {
	ParameterKey         string
	DefaultValue         *string
	ParameterType        string
	NoEcho               bool
	Description          *string
	ParameterConstraints ParameterConstraints
}

// GetTemplateSummaryOut is GetTemplateSummary's output.
type GetTemplateSummaryOut struct {
	Parameters         []ParameterDeclaration
	Description        *string
	Capabilities       []string
	CapabilitiesReason *string
	ResourceTypes      []string
	Version            *string
	DeclaredTransforms []string
}

// UpdateTerminationProtectionIn is UpdateTerminationProtection's input.
type UpdateTerminationProtectionIn struct {
	StackName                   string
	EnableTerminationProtection *bool
}

// UpdateTerminationProtectionOut is UpdateTerminationProtection's output.
type UpdateTerminationProtectionOut struct{ StackId string }
