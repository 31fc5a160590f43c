package lambda

// Wire shapes of the Lambda API (AWS Lambda API Reference). Fields tagged
// `rest:"..."` are bound to the path, query or headers (package
// protocol/rest); the others are the JSON body. Stored state is in
// function.go and layer.go.

// Environment is the Environment shape.
type Environment struct {
	Variables map[string]string `json:"Variables,omitempty"`
}

// EnvironmentResponse is EnvironmentResponse.
type EnvironmentResponse struct {
	Variables map[string]string `json:"Variables"`
}

// LoggingConfig is the LoggingConfig shape.
type LoggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

// TracingConfig is the TracingConfig shape.
type TracingConfig struct {
	Mode string `json:"Mode,omitempty"`
}

// FunctionCode is the Code of CreateFunction.
type FunctionCode struct {
	ZipFile         []byte `json:"ZipFile,omitempty"`
	S3Bucket        string `json:"S3Bucket,omitempty"`
	S3Key           string `json:"S3Key,omitempty"`
	S3ObjectVersion string `json:"S3ObjectVersion,omitempty"`
	ImageUri        string `json:"ImageUri,omitempty"`
}

// CreateFunctionIn is CreateFunction's input.
type CreateFunctionIn struct {
	FunctionName  string
	Runtime       string
	Role          string
	Handler       string
	Code          FunctionCode
	Description   string
	Timeout       *int32
	MemorySize    *int32
	Publish       bool
	Environment   *Environment
	Architectures []string
	LoggingConfig *LoggingConfig
	TracingConfig *TracingConfig
	Layers        []string
	Tags          map[string]string
	PackageType   string
}

// UpdateConfigIn is UpdateFunctionConfiguration's input.
type UpdateConfigIn struct {
	FunctionName  string `json:"-" rest:"label"`
	Role          string
	Handler       string
	Description   *string
	Timeout       *int32
	MemorySize    *int32
	Environment   *Environment
	Runtime       string
	LoggingConfig *LoggingConfig
	TracingConfig *TracingConfig
	Layers        []string
}

// UpdateCodeIn is UpdateFunctionCode's input.
type UpdateCodeIn struct {
	FunctionName    string `json:"-" rest:"label"`
	ZipFile         []byte
	S3Bucket        string
	S3Key           string
	S3ObjectVersion string
	Publish         bool
	Architectures   []string
}

// FunctionConfiguration is the FunctionConfiguration shape.
type FunctionConfiguration struct {
	FunctionName     string               `json:"FunctionName"`
	FunctionArn      string               `json:"FunctionArn"`
	Runtime          string               `json:"Runtime,omitempty"`
	Role             string               `json:"Role"`
	Handler          string               `json:"Handler,omitempty"`
	CodeSize         int64                `json:"CodeSize"`
	Description      string               `json:"Description"`
	Timeout          int32                `json:"Timeout"`
	MemorySize       int32                `json:"MemorySize"`
	LastModified     string               `json:"LastModified"`
	CodeSha256       string               `json:"CodeSha256"`
	Version          string               `json:"Version"`
	Environment      *EnvironmentResponse `json:"Environment,omitempty"`
	TracingConfig    TracingConfig        `json:"TracingConfig"`
	RevisionId       string               `json:"RevisionId"`
	State            string               `json:"State"`
	LastUpdateStatus string               `json:"LastUpdateStatus"`
	PackageType      string               `json:"PackageType"`
	Architectures    []string             `json:"Architectures"`
	LoggingConfig    LoggingConfig        `json:"LoggingConfig"`
	EphemeralStorage struct {
		Size int32 `json:"Size"`
	} `json:"EphemeralStorage"`
	Layers []LayerOut `json:"Layers,omitempty"`
}

// LayerOut is the Layer shape.
type LayerOut struct {
	Arn      string `json:"Arn"`
	CodeSize int64  `json:"CodeSize"`
}

// FunctionCodeLocation is GetFunction's Code.
type FunctionCodeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

// GetFunctionOut is GetFunction's output.
type GetFunctionOut struct {
	Configuration FunctionConfiguration `json:"Configuration"`
	Code          FunctionCodeLocation  `json:"Code"`
	Tags          map[string]string     `json:"Tags,omitempty"`
}

// ListFunctionsOut is ListFunctions' output.
type ListFunctionsOut struct {
	Functions  []FunctionConfiguration `json:"Functions"`
	NextMarker string                  `json:"NextMarker,omitempty"`
}

// AddPermissionIn is AddPermission's input.
type AddPermissionIn struct {
	FunctionName        string `json:"-" rest:"label"`
	StatementId         string
	Action              string
	Principal           string
	SourceArn           string
	SourceAccount       string
	PrincipalOrgID      string
	FunctionUrlAuthType string
}

// AddPermissionOut is AddPermission's output.
type AddPermissionOut struct {
	Statement string `json:"Statement"`
}

// GetPolicyOut is GetPolicy's output.
type GetPolicyOut struct {
	Policy     string `json:"Policy"`
	RevisionId string `json:"RevisionId"`
}

// FunctionRef is the input of the operations that take only a function:
// GetFunction, GetFunctionConfiguration, DeleteFunction, GetPolicy.
type FunctionRef struct {
	FunctionName string `json:"-" rest:"label"`
	Qualifier    string `json:"-" rest:"query"`
}

// ListFunctionsIn is ListFunctions' input.
type ListFunctionsIn struct {
	Marker   string `json:"-" rest:"query"`
	MaxItems string `json:"-" rest:"query"`
}

// RemovePermissionIn is RemovePermission's input.
type RemovePermissionIn struct {
	FunctionName string `json:"-" rest:"label"`
	StatementId  string `json:"-" rest:"label"`
	Qualifier    string `json:"-" rest:"query"`
	RevisionId   string `json:"-" rest:"query"`
}

// InvokeIn is Invoke's input.
type InvokeIn struct {
	FunctionName   string `json:"-" rest:"label"`
	Qualifier      string `json:"-" rest:"query"`
	InvocationType string `json:"-" rest:"header=X-Amz-Invocation-Type"`
	LogType        string `json:"-" rest:"header=X-Amz-Log-Type"`
	ClientContext  string `json:"-" rest:"header=X-Amz-Client-Context"`
	Payload        []byte `json:"-" rest:"payload"`
}

// InvokeOut is Invoke's output.
type InvokeOut struct {
	StatusCode      int    `json:"-" rest:"status"`
	RequestID       string `json:"-" rest:"header=X-Amzn-RequestId"`
	FunctionError   string `json:"-" rest:"header=X-Amz-Function-Error"`
	LogResult       string `json:"-" rest:"header=X-Amz-Log-Result"`
	ExecutedVersion string `json:"-" rest:"header=X-Amz-Executed-Version"`
	Payload         []byte `json:"-" rest:"payload"`
}

// Empty is the output of operations that answer with no body.
type Empty struct{}

// LayerContent is PublishLayerVersion's Content (LayerVersionContentInput).
type LayerContent struct {
	ZipFile         []byte `json:"ZipFile,omitempty"`
	S3Bucket        string `json:"S3Bucket,omitempty"`
	S3Key           string `json:"S3Key,omitempty"`
	S3ObjectVersion string `json:"S3ObjectVersion,omitempty"`
}

// PublishLayerVersionIn is PublishLayerVersion's input.
type PublishLayerVersionIn struct {
	LayerName               string `json:"-" rest:"label"`
	Description             string
	Content                 *LayerContent
	CompatibleRuntimes      []string
	CompatibleArchitectures []string
	LicenseInfo             string
}

// LayerVersionContentOutput is a layer version's Content.
type LayerVersionContentOutput struct {
	Location   string `json:"Location"`
	CodeSha256 string `json:"CodeSha256"`
	CodeSize   int64  `json:"CodeSize"`
}

// LayerVersionOut is the output of PublishLayerVersion, GetLayerVersion
// and GetLayerVersionByArn.
type LayerVersionOut struct {
	Content                 LayerVersionContentOutput `json:"Content"`
	LayerArn                string                    `json:"LayerArn"`
	LayerVersionArn         string                    `json:"LayerVersionArn"`
	Description             string                    `json:"Description"`
	CreatedDate             string                    `json:"CreatedDate"`
	Version                 int64                     `json:"Version"`
	CompatibleRuntimes      []string                  `json:"CompatibleRuntimes,omitempty"`
	LicenseInfo             string                    `json:"LicenseInfo,omitempty"`
	CompatibleArchitectures []string                  `json:"CompatibleArchitectures,omitempty"`
}

// LayerVersionRef names one layer version in the path: GetLayerVersion,
// DeleteLayerVersion, GetLayerVersionPolicy.
type LayerVersionRef struct {
	LayerName     string `json:"-" rest:"label"`
	VersionNumber string `json:"-" rest:"label"`
}

// GetLayerVersionByArnIn is GetLayerVersionByArn's input.
type GetLayerVersionByArnIn struct {
	Arn string `json:"-" rest:"query"`
}

// ListLayersIn is ListLayers' input.
type ListLayersIn struct {
	CompatibleRuntime      string `json:"-" rest:"query"`
	CompatibleArchitecture string `json:"-" rest:"query"`
	Marker                 string `json:"-" rest:"query"`
	MaxItems               string `json:"-" rest:"query"`
}

// ListLayerVersionsIn is ListLayerVersions' input.
type ListLayerVersionsIn struct {
	LayerName              string `json:"-" rest:"label"`
	CompatibleRuntime      string `json:"-" rest:"query"`
	CompatibleArchitecture string `json:"-" rest:"query"`
	Marker                 string `json:"-" rest:"query"`
	MaxItems               string `json:"-" rest:"query"`
}

// LayerVersionsListItem is one version in ListLayerVersions and ListLayers.
type LayerVersionsListItem struct {
	LayerVersionArn         string   `json:"LayerVersionArn"`
	Version                 int64    `json:"Version"`
	Description             string   `json:"Description"`
	CreatedDate             string   `json:"CreatedDate"`
	CompatibleRuntimes      []string `json:"CompatibleRuntimes,omitempty"`
	LicenseInfo             string   `json:"LicenseInfo,omitempty"`
	CompatibleArchitectures []string `json:"CompatibleArchitectures,omitempty"`
}

// ListLayerVersionsOut is ListLayerVersions' output.
type ListLayerVersionsOut struct {
	LayerVersions []LayerVersionsListItem `json:"LayerVersions"`
	NextMarker    string                  `json:"NextMarker,omitempty"`
}

// LayersListItem is one layer in ListLayers.
type LayersListItem struct {
	LayerName             string                `json:"LayerName"`
	LayerArn              string                `json:"LayerArn"`
	LatestMatchingVersion LayerVersionsListItem `json:"LatestMatchingVersion"`
}

// ListLayersOut is ListLayers' output.
type ListLayersOut struct {
	Layers     []LayersListItem `json:"Layers"`
	NextMarker string           `json:"NextMarker,omitempty"`
}

// AddLayerVersionPermissionIn is AddLayerVersionPermission's input.
type AddLayerVersionPermissionIn struct {
	LayerName      string `json:"-" rest:"label"`
	VersionNumber  string `json:"-" rest:"label"`
	RevisionId     string `json:"-" rest:"query"`
	StatementId    string
	Action         string
	Principal      string
	OrganizationId string
}

// AddLayerVersionPermissionOut is AddLayerVersionPermission's output.
type AddLayerVersionPermissionOut struct {
	Statement  string `json:"Statement"`
	RevisionId string `json:"RevisionId"`
}

// RemoveLayerVersionPermissionIn is RemoveLayerVersionPermission's input.
type RemoveLayerVersionPermissionIn struct {
	LayerName     string `json:"-" rest:"label"`
	VersionNumber string `json:"-" rest:"label"`
	StatementId   string `json:"-" rest:"label"`
	RevisionId    string `json:"-" rest:"query"`
}
