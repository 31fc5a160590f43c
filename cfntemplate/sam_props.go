package cfntemplate

import "strconv"

// propCheck is how the SAM translator checks one property's value.
type propCheck int

const (
	passThrough     propCheck = iota // anything
	isStr                            // "Property 'X' should be a string."
	isDict                           // "Property 'X' should be a map."
	isBool                           // generic message
	strOrDict                        // generic message
	listOfStrOrDict                  // generic message
	dictOfDicts                      // generic message
	policiesShape                    // str, dict, or list of str|dict
	deleteOrRetain                   // IS_STR_ENUM(["Delete", "Retain"])
	boolNoIntrinsic                  // Property(False, IS_BOOL): intrinsics rejected too
	isInt                            // generic message
	isList                           // generic message
)

// propSpec describes one property of a SAM resource type.
type propSpec struct {
	name     string
	check    propCheck
	required bool
}

// samFunctionProps are AWS::Serverless::Function's properties, in the
// translator's order.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
func samFunctionProps() []propSpec {
	return []propSpec{
		{"FunctionName", strOrDict, false}, {"Handler", passThrough, false}, {"Runtime", passThrough, false},
		{"CodeUri", passThrough, false}, {"ImageUri", passThrough, false}, {"PackageType", passThrough, false},
		{"InlineCode", passThrough, false}, {"DeadLetterQueue", isDict, false}, {"Description", passThrough, false},
		{"MemorySize", passThrough, false}, {"Timeout", passThrough, false}, {"VpcConfig", passThrough, false},
		{"Role", isStr, false}, {"AssumeRolePolicyDocument", isDict, false}, {"Policies", policiesShape, false},
		{"RolePath", passThrough, false}, {"PermissionsBoundary", isStr, false}, {"Environment", dictOfDicts, false},
		{"Events", dictOfDicts, false}, {"Tags", isDict, false}, {"PropagateTags", isBool, false},
		{"Tracing", strOrDict, false}, {"KmsKeyArn", passThrough, false}, {"DeploymentPreference", isDict, false},
		{"ReservedConcurrentExecutions", passThrough, false}, {"Layers", listOfStrOrDict, false},
		{"EventInvokeConfig", isDict, false}, {"EphemeralStorage", passThrough, false},
		{"AutoPublishAlias", strOrDict, false}, {"AutoPublishCodeSha256", strOrDict, false},
		{"AutoPublishAliasAllProperties", boolNoIntrinsic, false}, {"VersionDescription", passThrough, false},
		{"ProvisionedConcurrencyConfig", passThrough, false}, {"FileSystemConfigs", passThrough, false},
		{"ImageConfig", passThrough, false}, {"CodeSigningConfigArn", passThrough, false},
		{"Architectures", passThrough, false}, {"SnapStart", isDict, false}, {"FunctionUrlConfig", isDict, false},
		{"RuntimeManagementConfig", passThrough, false}, {"LoggingConfig", passThrough, false},
		{"RecursiveLoop", passThrough, false}, {"SourceKMSKeyArn", passThrough, false},
		{"CapacityProviderConfig", isDict, false}, {"FunctionScalingConfig", isDict, false},
		{"VersionDeletionPolicy", deleteOrRetain, false}, {"PublishToLatestPublished", passThrough, false},
		{"TenancyConfig", passThrough, false}, {"DurableConfig", isDict, false},
	}
}

// samLayerProps are AWS::Serverless::LayerVersion's properties.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-layerversion.html
func samLayerProps() []propSpec {
	return []propSpec{
		{"LayerName", strOrDict, false}, {"Description", isStr, false}, {"PublishLambdaVersion", isBool, false},
		{"ContentUri", strOrDict, true}, {"CompatibleArchitectures", listOfStrOrDict, false},
		{"CompatibleRuntimes", listOfStrOrDict, false}, {"LicenseInfo", isStr, false}, {"RetentionPolicy", isStr, false},
	}
}

// checkProps validates a SAM resource's properties as the translator's
// from_dict and validate_properties do: unknown names first (in template
// order), then each declared property's type and requiredness.
func checkProps(id, typ string, props *Node, specs []propSpec) *samError {
	known := map[string]bool{}
	for _, s := range specs {
		known[s.name] = true
	}
	for _, f := range props.Fields {
		if !known[f.Key] {
			return invalidResource(id, "property %s not defined for resource of type %s", f.Key, typ)
		}
	}
	for _, s := range specs {
		v := props.Get(s.name)
		if v == nil {
			if s.required {
				return invalidResource(id, "Missing required property '%s'.", s.name)
			}
			continue
		}
		// Like the translator, any one-key object counts as an intrinsic
		// function and is left for CloudFormation to check.
		if s.check != boolNoIntrinsic && s.check != passThrough && (v.Kind == KindFunc || (v.IsMap() && len(v.Fields) == 1)) {
			continue
		}
		if !propValid(s.check, v) {
			switch s.check {
			case isStr:
				return invalidResource(id, "Property '%s' should be a string.", s.name)
			case isDict:
				return invalidResource(id, "Property '%s' should be a map.", s.name)
			case deleteOrRetain:
				return invalidResource(id, "Property '%s' should be a one of the strings: 'Delete' or 'Retain'.", s.name)
			}
			return invalidResource(id, "Type of property '%s' is invalid.", s.name)
		}
	}
	return nil
}

// isDictValue is Python's isinstance(v, dict): maps and, as SAM sees
// them, intrinsic function objects.
func isDictValue(n *Node) bool { return n.Kind == KindMap || n.Kind == KindFunc }

func propValid(c propCheck, v *Node) bool {
	switch c {
	case passThrough:
		return true
	case isStr:
		return v.IsString()
	case isDict:
		return isDictValue(v)
	case isBool, boolNoIntrinsic:
		return v.Kind == KindBool
	case strOrDict:
		return v.IsString() || isDictValue(v)
	case listOfStrOrDict:
		if !v.IsList() {
			return false
		}
		for _, it := range v.Items {
			if !it.IsString() && !isDictValue(it) {
				return false
			}
		}
		return true
	case dictOfDicts:
		if !isDictValue(v) {
			return false
		}
		for _, f := range v.Fields {
			if !isDictValue(f.Value) {
				return false
			}
		}
		return true
	case policiesShape:
		if v.IsString() || isDictValue(v) {
			return true
		}
		return propValid(listOfStrOrDict, v)
	case deleteOrRetain:
		return v.IsString() && (v.Str == "Delete" || v.Str == "Retain")
	case isInt:
		_, err := strconv.Atoi(v.Str)
		return v.Kind == KindNumber && err == nil
	case isList:
		return v.IsList()
	}
	return false
}
