package cfntemplate

import (
	"slices"
	"strings"
)

// globalsProperties lists, per SAM resource type, the properties the
// Globals section may set (the SAM translator's Globals.supported_properties).
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
func globalsProperties(section string) []string {
	switch section {
	case "Function":
		return []string{"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
			"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn",
			"AutoPublishAlias", "AutoPublishAliasAllProperties", "Layers", "DeploymentPreference",
			"RolePath", "PermissionsBoundary", "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig",
			"AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn",
			"Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig",
			"LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn", "TenancyConfig", "DurableConfig",
			"CapacityProviderConfig", "FunctionScalingConfig", "PublishToLatestPublished", "VersionDeletionPolicy"}
	case "Api":
		return []string{"Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize",
			"MergeDefinitions", "Variables", "EndpointConfiguration", "MethodSettings", "BinaryMediaTypes",
			"MinimumCompressionSize", "Cors", "GatewayResponses", "AccessLogSetting", "CanarySetting",
			"TracingEnabled", "OpenApiVersion", "Domain", "AlwaysDeploy", "PropagateTags", "SecurityPolicy",
			"EndpointAccessMode"}
	case "HttpApi":
		return []string{"Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
			"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"}
	case "SimpleTable":
		return []string{"SSESpecification"}
	case "StateMachine":
		return []string{"PropagateTags"}
	case "LayerVersion":
		return []string{"PublishLambdaVersion"}
	case "CapacityProvider":
		return []string{"VpcConfig", "OperatorRole", "Tags", "InstanceRequirements", "ScalingConfig",
			"KmsKeyArn", "PropagateTags"}
	case "WebSocketApi":
		return []string{"AccessLogSettings", "ApiKeySelectionExpression", "DefaultRouteSettings",
			"DisableExecuteApiEndpoint", "DisableSchemaValidation", "Domain", "FailOnWarnings",
			"IpAddressType", "PropagateTags", "RouteSelectionExpression", "RouteSettings", "StageVariables", "Tags"}
	}
	return nil
}

// globalsSectionNames is the translator's sorted list of Globals sections.
const globalsSectionNames = "['Api', 'CapacityProvider', 'Function', 'HttpApi', 'LayerVersion', 'SimpleTable', 'StateMachine', 'WebSocketApi']"

// pyList renders names as Python's repr of a list of strings.
func pyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func globalsInvalid(format string, args ...any) *samError {
	e := invalidTemplate(format, args...)
	e.msg = "'Globals' section is invalid. " + strings.TrimPrefix(e.msg, "Structure of the SAM template is invalid. ")
	return e
}

// applyGlobals merges the Globals section into the SAM resources and
// removes it, as the SAM translator's Globals plugin does: maps merge key
// by key, lists concatenate (globals first), anything else (intrinsic
// functions included) is taken from the resource.
func (s *sam) applyGlobals() error {
	g := s.root.Get("Globals")
	if g == nil {
		return nil
	}
	if !g.IsMap() {
		return s.fail(globalsInvalid("It must be a non-empty dictionary"))
	}
	byType := map[string]*Node{}
	for _, f := range g.Fields {
		supported := globalsProperties(f.Key)
		if supported == nil {
			return s.fail(globalsInvalid("'%s' is not supported. Must be one of the following values - %s", f.Key, globalsSectionNames))
		}
		if !f.Value.IsMap() {
			return s.fail(globalsInvalid("Value of ${section} must be a dictionary"))
		}
		for _, p := range f.Value.Fields {
			if !slices.Contains(supported, p.Key) {
				return s.fail(globalsInvalid("'%s' is not a supported property of '%s'. Must be one of the following values - %s", p.Key, f.Key, pyList(supported)))
			}
		}
		byType["AWS::Serverless::"+f.Key] = f.Value
	}
	for _, f := range s.resources.Fields {
		global := byType[typeOf(f.Value)]
		if global == nil {
			continue
		}
		global = global.Clone()
		if ig := f.Value.Get("IgnoreGlobals"); ig != nil {
			switch {
			case ig.IsString() && ig.Str == "*":
				continue
			case ig.IsList():
				for _, it := range ig.Items {
					if !it.IsString() || !global.Has(it.Str) {
						s2, _ := it.Scalar()
						return s.fail(invalidResource(f.Key, "Resource %s has invalid resource attribute 'IgnoreGlobals' on item '%s'.", f.Key, s2))
					}
					global.Delete(it.Str)
				}
			default:
				return s.fail(invalidResource(f.Key, "Resource %s has invalid resource attribute 'IgnoreGlobals'.", f.Key))
			}
		}
		local := f.Value.Get("Properties")
		if local == nil {
			local = NewMap()
		}
		f.Value.Set("Properties", mergeGlobal(global, local))
	}
	s.root.Delete("Globals")
	return nil
}

func mergeGlobal(global, local *Node) *Node {
	gk, lk := mergeToken(global), mergeToken(local)
	switch {
	case gk != lk, gk == KindString:
		return local
	case gk == KindMap:
		out := global.Clone()
		for _, f := range local.Fields {
			if g := out.Get(f.Key); g != nil {
				out.Set(f.Key, mergeGlobal(g, f.Value))
			} else {
				out.Set(f.Key, f.Value)
			}
		}
		return out
	default: // lists
		items := append(append([]*Node{}, global.Clone().Items...), local.Items...)
		return &Node{Kind: KindList, Items: items, Pos: local.Pos}
	}
}

// mergeToken classifies a value for merging: KindMap, KindList, or
// KindString for everything else (intrinsic functions are primitives).
func mergeToken(n *Node) Kind {
	switch n.Kind {
	case KindMap, KindList:
		return n.Kind
	}
	return KindString
}
