package cfntemplate

import (
	"crypto/sha1" //nolint:gosec // the deployment's logical-ID suffix, not security
	"encoding/hex"
	"regexp"
	"strings"
)

// The Api and HttpApi event sources. Without RestApiId/ApiId (the only
// form xacct's transform translates) the SAM translator gathers the
// events of all functions into an implicit API: ServerlessRestApi (an
// AWS::ApiGateway::RestApi with a Swagger 2.0 body, a Deployment and a
// "Prod" Stage) and ServerlessHttpApi (an AWS::ApiGatewayV2::Api with an
// OpenAPI 3.0.1 body and a "$default" Stage), and gives API Gateway a
// Lambda permission per event.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-api.html
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-httpapi.html

const (
	implicitRestAPI = "ServerlessRestApi"
	implicitHTTPAPI = "ServerlessHttpApi"
	anyMethod       = "x-amazon-apigateway-any-method"
)

// apiRoute is one path and method of an implicit API.
type apiRoute struct {
	path, method string // method as the definition's key: lower case or anyMethod
	uri          *Node
	op           *Node
}

// implicitAPI collects the routes of one implicit API in event order.
type implicitAPI struct {
	routes []apiRoute
}

func (a *implicitAPI) has(path, method string) bool {
	for _, r := range a.routes {
		if r.path == path && r.method == method {
			return true
		}
	}
	return false
}

// methodKey is the definition's key for an event's Method.
func methodKey(m string) string {
	m = strings.ToLower(m)
	if m == "any" {
		return anyMethod
	}
	return m
}

var pathParamRE = regexp.MustCompile(`{([a-zA-Z0-9._-]+|[a-zA-Z0-9._-]+\+|proxy\+)}`)

// permissionPath is the path as the permission's execute-api ARN names
// it: no trailing slash (API Gateway drops it) and parameters as "*".
func permissionPath(p string) string {
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	return pathParamRE.ReplaceAllString(p, "*")
}

// integrationURI is the Lambda proxy integration's URI for the target.
func integrationURI(t target, partition string) *Node {
	fn := "${" + t.id + ".Arn}"
	if t.alias {
		fn = "${" + t.id + "}"
	}
	return NewFunc("Fn::Sub", NewString("arn:"+partition+":apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+fn+"/invocations"))
}

// apiEvent records an Api or HttpApi event's route and returns the
// permission letting API Gateway invoke the target.
func (s *sam) apiEvent(fn, id string, l eventLink, t target) (Field, *samError) {
	p := l.props
	if l.typ == "Api" {
		path, method := p.Get("Path").Str, p.Get("Method").Str
		if !p.Get("Path").IsString() || !p.Get("Method").IsString() {
			return Field{}, invalidEvent(fn, l.name, "Path and Method of Api events must be strings in xacct's SAM transform.")
		}
		key := methodKey(method)
		if s.restAPI.has(path, key) {
			return Field{}, invalidEvent(fn, l.name, "API method %q defined multiple times for path %q.", strings.ToLower(method), path)
		}
		integ := NewMap()
		integ.Set("httpMethod", NewString("POST"))
		integ.Set("type", NewString("aws_proxy"))
		integ.Set("uri", integrationURI(t, s.partition))
		op := NewMap()
		op.Set("x-amazon-apigateway-integration", integ)
		op.Set("responses", NewMap())
		s.restAPI.routes = append(s.restAPI.routes, apiRoute{path: path, method: key, op: op})
		verb := strings.ToUpper(method)
		if key == anyMethod {
			verb = "*"
		}
		arn := "arn:" + s.partition + ":execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/" + verb + permissionPath(path)
		return apiPermission(id+"Permission"+"Prod", t, arn, implicitRestAPI), nil
	}
	path, method := "", ""
	if v := present(p, "Path"); v != nil {
		path = v.Str
	}
	if v := present(p, "Method"); v != nil {
		method = v.Str
	}
	if path == "" && method == "" {
		path, method = "$default", anyMethod
	}
	if path == "" || method == "" {
		return Field{}, invalidEvent(fn, l.name, "Event is missing key 'Path' or 'Method'.")
	}
	key := methodKey(method)
	if s.httpAPI.has(path, key) {
		return Field{}, invalidEvent(fn, l.name, "API method '%s' defined multiple times for path '%s'.", method, path)
	}
	integ := NewMap()
	integ.Set("httpMethod", NewString("POST"))
	integ.Set("type", NewString("aws_proxy"))
	integ.Set("uri", integrationURI(t, "${AWS::Partition}"))
	pfv := NewString("2.0")
	if v := present(p, "PayloadFormatVersion"); v != nil {
		pfv = v.Clone()
	}
	integ.Set("payloadFormatVersion", pfv)
	op := NewMap()
	op.Set("x-amazon-apigateway-integration", integ)
	if path == "$default" {
		op.Set("isDefaultRoute", NewBool(true))
	}
	op.Set("responses", NewMap())
	if params := regexp.MustCompile(`{(.*?)}`).FindAllStringSubmatch(path, -1); len(params) > 0 {
		list := NewList()
		for _, m := range params {
			pm := NewMap()
			pm.Set("name", NewString(m[1]))
			pm.Set("in", NewString("path"))
			pm.Set("required", NewBool(true))
			list.Items = append(list.Items, pm)
		}
		op.Set("parameters", list)
	}
	s.httpAPI.routes = append(s.httpAPI.routes, apiRoute{path: path, method: key, op: op})
	resource := "${__ApiId__}/${__Stage__}"
	verb := strings.ToUpper(method)
	if key == anyMethod {
		verb = "*"
	}
	if path == "$default" {
		resource += "/" + verb
	} else {
		resource += "/" + verb + permissionPath(path)
	}
	return apiPermission(id+"Permission", t, "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"+resource, implicitHTTPAPI), nil
}

func apiPermission(id string, t target, arn, api string) Field {
	vars := NewMap()
	vars.Set("__ApiId__", Ref(api))
	vars.Set("__Stage__", NewString("*"))
	sourceArn := NewFunc("Fn::Sub", NewList(NewString(arn), vars))
	f := permission(id, t, "apigateway.amazonaws.com", sourceArn, nil)
	f.Key = id
	return f
}

// definition builds an API's Swagger/OpenAPI body from its routes.
func (a *implicitAPI) definition(versionKey, version string, tags bool) *Node {
	info := NewMap()
	info.Set("version", NewString("1.0"))
	info.Set("title", Ref("AWS::StackName"))
	paths := NewMap()
	for _, r := range a.routes {
		entry := paths.Get(r.path)
		if entry == nil {
			entry = NewMap()
			paths.Set(r.path, entry)
		}
		entry.Set(r.method, r.op)
	}
	body := NewMap()
	body.Set("info", info)
	body.Set("paths", paths)
	body.Set(versionKey, NewString(version))
	if tags {
		tag := NewMap()
		tag.Set("name", NewString("httpapi:createdBy"))
		tag.Set("x-amazon-apigateway-tag-value", NewString("SAM"))
		body.Set("tags", NewList(tag))
	}
	return body
}

// implicitAPIs returns the resources of the implicit APIs the events
// asked for.
//
// The REST API's Deployment is named ServerlessRestApiDeployment followed
// by 10 hex digits of a SHA-1 of the Swagger body, so a changed API gets
// a new deployment, as with the translator. The digits differ from the
// translator's: it hashes Python 2.7's repr of the body, which xacct does
// not reproduce.
func (s *sam) implicitAPIs() ([]Field, *samError) {
	var out []Field
	if len(s.restAPI.routes) > 0 {
		if s.original.Has(implicitRestAPI) {
			return nil, invalidResource(implicitRestAPI, "Api events without RestApiId need the logical id %s for the implicit API; xacct's SAM transform does not merge them into an existing resource.", implicitRestAPI)
		}
		if s.globalsAPI {
			return nil, invalidTemplate("The Globals section Api is not supported by xacct's SAM transform.")
		}
		body := s.restAPI.definition("swagger", "2.0", false)
		var b strings.Builder
		pyJSON(&b, body)
		sum := sha1.Sum([]byte(b.String())) //nolint:gosec
		digest := hex.EncodeToString(sum[:])
		api := NewMap()
		api.Set("Body", body)
		if p := s.partition; strings.HasPrefix(p, "aws-iso") || p == "aws-us-gov" || p == "aws-cn" || p == "aws-eusc" {
			// No edge-optimized endpoints in these partitions: the
			// translator asks for a regional one.
			api.Set("EndpointConfiguration", mapOf("Types", Strings("REGIONAL")))
			api.Set("Parameters", mapOf("endpointConfigurationTypes", NewString("REGIONAL")))
		}
		depID := implicitRestAPI + "Deployment" + digest[:10]
		dep := NewMap()
		dep.Set("Description", NewString("RestApi deployment id: "+digest))
		dep.Set("RestApiId", Ref(implicitRestAPI))
		dep.Set("StageName", NewString("Stage"))
		stage := NewMap()
		stage.Set("DeploymentId", Ref(depID))
		stage.Set("RestApiId", Ref(implicitRestAPI))
		stage.Set("StageName", NewString("Prod"))
		out = append(out,
			Field{implicitRestAPI, cfnResource("AWS::ApiGateway::RestApi", nil, nil, api)},
			Field{depID, cfnResource("AWS::ApiGateway::Deployment", nil, nil, dep)},
			Field{implicitRestAPI + "ProdStage", cfnResource("AWS::ApiGateway::Stage", nil, nil, stage)})
	}
	if len(s.httpAPI.routes) > 0 {
		if s.original.Has(implicitHTTPAPI) {
			return nil, invalidResource(implicitHTTPAPI, "HttpApi events without ApiId need the logical id %s for the implicit API; xacct's SAM transform does not merge them into an existing resource.", implicitHTTPAPI)
		}
		if s.globalsHTTPAPI {
			return nil, invalidTemplate("The Globals section HttpApi is not supported by xacct's SAM transform.")
		}
		api := NewMap()
		api.Set("Body", s.httpAPI.definition("openapi", "3.0.1", true))
		tags := NewMap()
		tags.Set("httpapi:createdBy", NewString("SAM"))
		stage := NewMap()
		stage.Set("ApiId", Ref(implicitHTTPAPI))
		stage.Set("StageName", NewString("$default"))
		stage.Set("Tags", tags)
		stage.Set("AutoDeploy", NewBool(true))
		out = append(out,
			Field{implicitHTTPAPI, cfnResource("AWS::ApiGatewayV2::Api", nil, nil, api)},
			Field{implicitHTTPAPI + "ApiGatewayDefaultStage", cfnResource("AWS::ApiGatewayV2::Stage", nil, nil, stage)})
	}
	return out, nil
}

func mapOf(k string, v *Node) *Node {
	m := NewMap()
	m.Set(k, v)
	return m
}
