package cfntemplate

import (
	"fmt"
	"strings"
)

// SAMTransform is the name of the SAM transform.
const SAMTransform = "AWS::Serverless-2016-10-31"

// TransformOptions configures Transform.
type TransformOptions struct {
	// Region is the stack's region; the transform writes the partition
	// derived from it into managed policy ARNs, as the SAM translator
	// running in CloudFormation does. Default "us-east-1".
	Region string
	// Parameters are the stack's parameter values. SAM resolves Refs to
	// parameters in a few places (AutoPublishAlias, layer names, the code
	// location hashed into version IDs); defaults fill the rest.
	Parameters map[string]string
	// ManagedPolicyARN maps an AWS managed policy name that is not in the
	// transform's built-in table to its ARN (the SAM translator asks IAM
	// in that case). Nil, or ok=false, leaves the name as written.
	ManagedPolicyARN func(name string) (arn string, ok bool)
	// PassthroughMetadata copies a SAM resource's Metadata onto every
	// resource generated from it, as `sam` tooling does; CloudFormation's
	// hosted transform does not (only the Lambda function keeps it).
	PassthroughMetadata bool
}

// samError is one cause of a failed SAM transform.
type samError struct{ msg string }

func (e *samError) Error() string { return e.msg }

func invalidResource(id, format string, args ...any) *samError {
	return &samError{fmt.Sprintf("Resource with id [%s] is invalid. ", id) + fmt.Sprintf(format, args...)}
}

func invalidEvent(fn, event, format string, args ...any) *samError {
	return invalidResource(fn, "Event with id [%s] is invalid. %s", event, fmt.Sprintf(format, args...))
}

func invalidTemplate(format string, args ...any) *samError {
	return &samError{"Structure of the SAM template is invalid. " + fmt.Sprintf(format, args...)}
}

// transformFailed renders the causes as CloudFormation reports a failed
// SAM transform.
func transformFailed(causes []*samError) error {
	seen := map[string]bool{}
	var msgs []string
	for _, c := range causes {
		if !seen[c.msg] {
			seen[c.msg] = true
			msgs = append(msgs, c.msg)
		}
	}
	return validationf(Pos{}, "Transform %s failed with: Invalid Serverless Application Specification document. Number of errors found: %d. %s",
		SAMTransform, len(msgs), strings.Join(msgs, " "))
}

// Transform applies the template's transforms and returns the processed
// template (the one GetTemplate returns for TemplateStage Processed). A
// template without a Transform section is returned as is. Only
// AWS::Serverless-2016-10-31 is supported; its failures are reported as
// CloudFormation shows them: "Transform AWS::Serverless-2016-10-31 failed
// with: Invalid Serverless Application Specification document. Number of
// errors found: N. Resource with id [X] is invalid. ...".
func (t *Template) Transform(opts TransformOptions) (*Template, error) {
	names := t.Transforms()
	tr := t.Section("Transform")
	if tr == nil {
		return t, nil
	}
	if len(names) == 0 || (tr.IsList() && len(names) != len(tr.Items)) {
		return nil, formatErrorf(tr.Pos, "Key Name of transform definition must be a string.")
	}
	for _, n := range names {
		if n != SAMTransform {
			return nil, validationf(tr.Pos, "Transform %s is not supported by xacct's CloudFormation emulator; only %s is", n, SAMTransform)
		}
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	root := t.root.Clone()
	s := newSAM(root, opts)
	if err := s.run(); err != nil {
		return nil, err
	}
	return New(root), nil
}

// sam holds the state of one SAM transform run.
type sam struct {
	root      *Node
	resources *Node
	opts      TransformOptions
	partition string
	params    map[string]*Node
	errs      []*samError
	// changedIDs maps SAM logical IDs that were renamed (layers get a
	// content hash) to their new IDs.
	changedIDs map[string]string
	// refProps maps "Function.Alias"-style references to generated IDs.
	refProps map[string]string
	// original is the resources section as given, for event sources
	// that look up other resources (S3 buckets).
	original *Node
	// restAPI and httpAPI collect the routes of Api and HttpApi events
	// for the implicit APIs; globalsAPI and globalsHTTPAPI tell whether
	// the Globals section configures them.
	restAPI, httpAPI           implicitAPI
	globalsAPI, globalsHTTPAPI bool
}

func newSAM(root *Node, opts TransformOptions) *sam {
	s := &sam{
		root:       root,
		opts:       opts,
		partition:  PartitionOf(opts.Region),
		params:     map[string]*Node{},
		changedIDs: map[string]string{},
		refProps:   map[string]string{},
	}
	if ps := root.Get("Parameters"); ps.IsMap() {
		for _, f := range ps.Fields {
			if d := f.Value.Get("Default"); d != nil {
				s.params[f.Key] = d.Clone()
			}
		}
	}
	for k, v := range opts.Parameters {
		s.params[k] = NewString(v)
	}
	s.params["AWS::Region"] = NewString(opts.Region)
	s.params["AWS::Partition"] = NewString(s.partition)
	return s
}

func (s *sam) fail(err *samError) error { return transformFailed([]*samError{err}) }

func (s *sam) run() error {
	res := s.root.Get("Resources")
	if !res.IsMap() || len(res.Fields) == 0 {
		return s.fail(invalidTemplate("'Resources' section is required"))
	}
	for _, f := range res.Fields {
		if !f.Value.IsMap() {
			return s.fail(invalidTemplate("All 'Resources' must be Objects. If you're using YAML, this may be an indentation issue."))
		}
		if typ := f.Value.Get("Type"); typ.IsString() && strings.HasPrefix(typ.Str, "AWS::Serverless::") {
			if p := f.Value.Get("Properties"); p != nil && !p.IsMap() {
				return s.fail(invalidResource(f.Key, "Attribute 'Properties' should be a map."))
			}
		}
	}
	s.resources = res
	s.original = res.Clone()
	if g := s.root.Get("Globals"); g.IsMap() {
		s.globalsAPI = g.Has("Api")
		s.globalsHTTPAPI = g.Has("HttpApi")
	}
	if err := s.applyGlobals(); err != nil {
		return err
	}
	var functions, others []Field
	for _, f := range res.Fields {
		switch typeOf(f.Value) {
		case "AWS::Serverless::Function":
			functions = append(functions, f)
		case "AWS::Serverless::LayerVersion":
			others = append(others, f)
		default:
			if t := typeOf(f.Value); samTypeKnown(t) {
				s.errs = append(s.errs, invalidResource(f.Key, "Resource type %s is not supported by xacct's SAM transform.", t))
			}
		}
	}
	for _, f := range append(functions, others...) {
		if !alnumRE.MatchString(f.Key) {
			s.errs = append(s.errs, invalidResource(f.Key, "Logical ids must be alphanumeric."))
			continue
		}
		var (
			generated []Field
			err       *samError
		)
		switch typeOf(f.Value) {
		case "AWS::Serverless::Function":
			generated, err = s.function(f.Key, f.Value)
		case "AWS::Serverless::LayerVersion":
			generated, err = s.layer(f.Key, f.Value)
		}
		if err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		res.Delete(f.Key)
		for _, g := range generated {
			if existing := s.original.Get(g.Key); existing != nil && !mayReplace(typeOf(g.Value), typeOf(existing)) {
				s.errs = append(s.errs, &samError{fmt.Sprintf(
					"Transforming resource with id [%s] attempts to create a new resource with id [%s] and type %q. A resource with that id already exists within this template. Please use a different id for that resource.",
					f.Key, g.Key, typeOf(g.Value))})
				continue
			}
			if s.opts.PassthroughMetadata {
				if md := f.Value.Get("Metadata"); md != nil && !g.Value.Has("Metadata") {
					g.Value.Set("Metadata", md.Clone())
				}
			}
			res.Set(g.Key, g.Value)
		}
	}
	if len(s.errs) == 0 {
		apis, err := s.implicitAPIs()
		if err != nil {
			s.errs = append(s.errs, err)
		}
		for _, a := range apis {
			res.Set(a.Key, a.Value)
		}
	}
	if len(s.errs) > 0 {
		return transformFailed(s.errs)
	}
	s.root.Delete("Transform")
	s.rewriteReferences(s.root)
	return nil
}

// mayReplace reports whether a generated resource of type generated may
// take the logical ID of an existing resource of type existing (the SAM
// translator's do_not_verify table, for the types this transform emits).
func mayReplace(generated, existing string) bool {
	switch generated {
	case "AWS::Lambda::Function":
		return existing == "AWS::Serverless::Function"
	case "AWS::Lambda::LayerVersion":
		return existing == "AWS::Serverless::LayerVersion"
	case "AWS::S3::Bucket", "AWS::SNS::Topic":
		return existing == generated
	}
	return false
}

func typeOf(n *Node) string {
	if t := n.Get("Type"); t.IsString() {
		return t.Str
	}
	return ""
}

// samTypeKnown reports SAM resource types that exist but that this
// transform does not translate.
func samTypeKnown(t string) bool {
	switch t {
	case "AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::SimpleTable",
		"AWS::Serverless::StateMachine", "AWS::Serverless::Application", "AWS::Serverless::Connector",
		"AWS::Serverless::GraphQLApi", "AWS::Serverless::WebSocketApi", "AWS::Serverless::CapacityProvider":
		return true
	}
	return false
}

// rewriteReferences points references to renamed SAM resources (layers)
// and to SAM "referable properties" (MyFunction.Alias) at the generated
// resources, everywhere in the template.
func (s *sam) rewriteReferences(n *Node) {
	if len(s.changedIDs) == 0 && len(s.refProps) == 0 {
		return
	}
	rename := func(id string) (string, bool) {
		if v, ok := s.refProps[id]; ok {
			return v, true
		}
		v, ok := s.changedIDs[id]
		return v, ok
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		if n == nil {
			return
		}
		switch n.Kind {
		case KindMap:
			for _, f := range n.Fields {
				if f.Key == "DependsOn" {
					renameDependsOn(f.Value, rename)
				}
				walk(f.Value)
			}
		case KindList:
			for _, it := range n.Items {
				walk(it)
			}
		case KindFunc:
			switch n.Str {
			case "Ref":
				if n.Arg.IsString() {
					if v, ok := rename(n.Arg.Str); ok {
						n.Arg = NewString(v)
					}
				}
			case "Fn::GetAtt":
				if n.Arg.IsList() && len(n.Arg.Items) > 0 && n.Arg.Items[0].IsString() {
					if v, ok := rename(n.Arg.Items[0].Str); ok {
						n.Arg.Items[0] = NewString(v)
					}
				}
			case "Fn::Sub":
				tmpl := n.Arg
				if n.Arg.IsList() && len(n.Arg.Items) > 0 {
					tmpl = n.Arg.Items[0]
				}
				if tmpl.IsString() {
					tmpl.Str = renameSubVars(tmpl.Str, s.changedIDs, s.refProps)
				}
			}
			walk(n.Arg)
		}
	}
	walk(n)
}

func renameDependsOn(n *Node, rename func(string) (string, bool)) {
	if n.IsString() {
		if v, ok := rename(n.Str); ok {
			n.Str = v
		}
		return
	}
	if n.IsList() {
		for _, it := range n.Items {
			if it.IsString() {
				if v, ok := rename(it.Str); ok {
					it.Str = v
				}
			}
		}
	}
}

// renameSubVars rewrites ${Old} and ${Old.Attr} in an Fn::Sub string;
// a string without such variables is returned unchanged.
func renameSubVars(str string, changed, props map[string]string) string {
	parts := parseSub(str)
	renamed := false
	for i, p := range parts {
		if !p.IsVar {
			continue
		}
		v := p.Text
		if id, ok := props[v]; ok {
			v = id
		} else if id, ok := changed[v]; ok {
			v = id
		} else if j := strings.LastIndexByte(v, '.'); j > 0 {
			if id, ok := props[v[:j]]; ok {
				v = id + v[j:]
			} else if k := strings.IndexByte(v, '.'); k > 0 {
				if id, ok := changed[v[:k]]; ok {
					v = id + v[k:]
				}
			}
		}
		if v != p.Text {
			parts[i].Text = v
			renamed = true
		}
	}
	if !renamed {
		return str
	}
	var b strings.Builder
	for _, p := range parts {
		if p.IsVar {
			b.WriteString("${" + p.Text + "}")
		} else {
			b.WriteString(strings.ReplaceAll(p.Text, "${", "${!"))
		}
	}
	return b.String()
}
