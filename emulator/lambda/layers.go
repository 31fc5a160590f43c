package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// The layer operations (AWS Lambda API Reference: PublishLayerVersion,
// GetLayerVersion, GetLayerVersionByArn, ListLayers, ListLayerVersions,
// DeleteLayerVersion, AddLayerVersionPermission, GetLayerVersionPolicy,
// RemoveLayerVersionPermission).

func errLayerNotFound() error {
	return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
}

// layerVersionARNOf resolves a LayerName and VersionNumber to a layer
// version ARN for a call.
func layerVersionARNOf(call *service.Call, layerName, version string) (arn, acct string, err error) {
	acct, region, name, err := resolveLayerName(layerName, call.Caller.Account(), call.Region)
	if err != nil {
		return "", "", err
	}
	v, err := strconv.ParseInt(version, 10, 64)
	if err != nil || v < 1 {
		return "", "", errValidation("1 validation error detected: Value '%s' at 'versionNumber' failed to satisfy constraint: Member must have value greater than or equal to 1", version)
	}
	return layerARN(region, acct, name) + ":" + strconv.FormatInt(v, 10), acct, nil
}

// layerInput is an input naming one layer version.
type layerInput[I any] interface {
	*I
	layerVersion(call *service.Call) (arn, acct string, err error)
}

func (in *LayerVersionRef) layerVersion(call *service.Call) (string, string, error) {
	return layerVersionARNOf(call, in.LayerName, in.VersionNumber)
}

func (in *AddLayerVersionPermissionIn) layerVersion(call *service.Call) (string, string, error) {
	return layerVersionARNOf(call, in.LayerName, in.VersionNumber)
}

func (in *RemoveLayerVersionPermissionIn) layerVersion(call *service.Call) (string, string, error) {
	return layerVersionARNOf(call, in.LayerName, in.VersionNumber)
}

func (in *GetLayerVersionByArnIn) layerVersion(*service.Call) (string, string, error) {
	_, acct, _, _, ok := parseLayerVersionARN(in.Arn)
	if !ok {
		return "", "", errValidation("1 validation error detected: Value '%s' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", in.Arn, layerVersionARNPattern)
	}
	return in.Arn, acct, nil
}

// Validate checks the layer name and version (rest.Validator).
func (in *LayerVersionRef) Validate() error { return validateLayerRef(in.LayerName, in.VersionNumber) }

// Validate checks the layer name and version (rest.Validator).
func (in *AddLayerVersionPermissionIn) Validate() error {
	if err := validateLayerRef(in.LayerName, in.VersionNumber); err != nil {
		return err
	}
	return validateLayerStatement(in)
}

// Validate checks the layer name and version (rest.Validator).
func (in *RemoveLayerVersionPermissionIn) Validate() error {
	return validateLayerRef(in.LayerName, in.VersionNumber)
}

// Validate checks the ARN (rest.Validator).
func (in *GetLayerVersionByArnIn) Validate() error {
	_, _, err := in.layerVersion(nil)
	return err
}

// Validate checks the layer name (rest.Validator).
func (in *PublishLayerVersionIn) Validate() error {
	if _, _, _, err := resolveLayerName(in.LayerName, "", ""); err != nil {
		return err
	}
	if in.Content == nil {
		return errValidation("1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null")
	}
	return nil
}

// Validate checks the layer name (rest.Validator).
func (in *ListLayerVersionsIn) Validate() error {
	_, _, _, err := resolveLayerName(in.LayerName, "", "")
	return err
}

func validateLayerRef(name, version string) error {
	call := &service.Call{Caller: &service.Caller{}}
	_, _, err := layerVersionARNOf(call, name, version)
	return err
}

// onLayerVersion is the Check of an operation on one layer version: action
// on its ARN, in the account the name gives, with the version's policy
// (AddLayerVersionPermission) as the resource policy.
func onLayerVersion[I any, P layerInput[I]](s *Service, action string) func(*service.Call, *I) service.Check {
	return func(call *service.Call, in *I) service.Check {
		arn, acct, err := P(in).layerVersion(call)
		if err != nil { // Validate refused it already
			return service.Check{Action: action, Resource: "*"}
		}
		chk := service.Check{Action: action, Resource: arn, ResourceAccount: acct}
		if lv := s.store.layerVersion(arn); lv != nil && lv.parsed != nil {
			chk.ResourcePolicy = &policy.Named{Name: "layer version policy of " + arn, Policy: lv.parsed}
		}
		return chk
	}
}

// publishLayerVersion stores a new version of a layer from a zip or an S3
// object.
func (s *Service) publishLayerVersion(ctx context.Context, in *PublishLayerVersionIn) (*LayerVersionOut, error) {
	call := callerOf(ctx)
	acct, region, name, err := resolveLayerName(in.LayerName, call.Caller.Account(), call.Region)
	if err != nil {
		return nil, err
	}
	if acct != call.Caller.Account() || region != call.Region {
		return nil, errInvalidParameter("Layers can only be published in the caller's account and region: %s", in.LayerName)
	}
	if len(in.CompatibleRuntimes) > 15 {
		return nil, errValidation("1 validation error detected: Value '%v' at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15", in.CompatibleRuntimes)
	}
	dir, sha, size, err := s.loadCode(ctx, FunctionCode{ZipFile: in.Content.ZipFile, S3Bucket: in.Content.S3Bucket, S3Key: in.Content.S3Key,
		S3ObjectVersion: in.Content.S3ObjectVersion})
	if err != nil {
		return nil, err
	}
	lv := &LayerVersion{Account: acct, Region: region, Name: name, Description: in.Description, LicenseInfo: in.LicenseInfo,
		CompatibleRuntimes: in.CompatibleRuntimes, CompatibleArchitectures: in.CompatibleArchitectures, Created: s.opts.Now(),
		CodeSha256: sha, CodeSize: size, Dir: dir}
	if err := s.store.publishLayer(lv); err != nil {
		return nil, err
	}
	return lv.output(), nil
}

func (s *Service) getLayerVersion(ctx context.Context, in *LayerVersionRef) (*LayerVersionOut, error) {
	arn, _, err := in.layerVersion(callerOf(ctx))
	if err != nil {
		return nil, err
	}
	lv := s.store.layerVersion(arn)
	if lv == nil {
		return nil, errLayerNotFound()
	}
	return lv.output(), nil
}

func (s *Service) getLayerVersionByArn(ctx context.Context, in *GetLayerVersionByArnIn) (*LayerVersionOut, error) {
	lv := s.store.layerVersion(in.Arn)
	if lv == nil {
		return nil, errLayerNotFound()
	}
	return lv.output(), nil
}

// compatible reports whether lv matches ListLayers' and ListLayerVersions'
// filters.
func (lv *LayerVersion) compatible(runtime, arch string) bool {
	return (runtime == "" || slices.Contains(lv.CompatibleRuntimes, runtime)) &&
		(arch == "" || slices.Contains(lv.CompatibleArchitectures, arch))
}

// page returns the start index and size of a Marker/MaxItems page.
func page(marker, maxItems string) (start, limit int) {
	start, _ = strconv.Atoi(marker)
	limit, _ = strconv.Atoi(maxItems)
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	return max(start, 0), limit
}

// listLayers lists the caller's layers in the region with their latest
// version matching the filters.
func (s *Service) listLayers(ctx context.Context, in *ListLayersIn) (*ListLayersOut, error) {
	call := callerOf(ctx)
	var items []LayersListItem
	for _, lv := range s.store.layerVersions(call.Caller.Account(), call.Region) {
		if !lv.compatible(in.CompatibleRuntime, in.CompatibleArchitecture) {
			continue
		}
		if n := len(items); n > 0 && items[n-1].LayerName == lv.Name {
			continue // an older version of a layer already listed
		}
		items = append(items, LayersListItem{LayerName: lv.Name, LayerArn: lv.LayerARN(), LatestMatchingVersion: lv.listItem()})
	}
	start, limit := page(in.Marker, in.MaxItems)
	out := &ListLayersOut{Layers: []LayersListItem{}}
	for i := start; i < len(items); i++ {
		if len(out.Layers) == limit {
			out.NextMarker = strconv.Itoa(i)
			break
		}
		out.Layers = append(out.Layers, items[i])
	}
	return out, nil
}

// listLayerVersions lists a layer's versions, newest first. Another
// account's layer lists the versions the caller may get
// (lambda:GetLayerVersion, decided with each version's policy).
func (s *Service) listLayerVersions(ctx context.Context, in *ListLayerVersionsIn) (*ListLayerVersionsOut, error) {
	call := callerOf(ctx)
	acct, region, name, err := resolveLayerName(in.LayerName, call.Caller.Account(), call.Region)
	if err != nil {
		return nil, err
	}
	var items []LayerVersionsListItem
	for _, lv := range s.store.layerVersions(acct, region) {
		if lv.Name != name || !lv.compatible(in.CompatibleRuntime, in.CompatibleArchitecture) {
			continue
		}
		if acct != call.Caller.Account() && s.authorizeLayerUse(ctx, lv) != nil {
			continue
		}
		items = append(items, lv.listItem())
	}
	start, limit := page(in.Marker, in.MaxItems)
	out := &ListLayerVersionsOut{LayerVersions: []LayerVersionsListItem{}}
	for i := start; i < len(items); i++ {
		if len(out.LayerVersions) == limit {
			out.NextMarker = strconv.Itoa(i)
			break
		}
		out.LayerVersions = append(out.LayerVersions, items[i])
	}
	return out, nil
}

// deleteLayerVersion deletes a version; functions using it keep their
// copy of its content, as in Lambda. Deleting a missing version succeeds.
func (s *Service) deleteLayerVersion(ctx context.Context, in *LayerVersionRef) (*Empty, error) {
	arn, _, err := in.layerVersion(callerOf(ctx))
	if err != nil {
		return nil, err
	}
	if lv := s.store.layerVersion(arn); lv != nil && lv.Local {
		return nil, errInvalidParameter("Layer version %s was registered with xacct serve --layer-dir and cannot be deleted.", arn)
	}
	if err := s.store.deleteLayerVersion(arn); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// authorizeLayerUse checks that the caller may use a layer version in a
// function: lambda:GetLayerVersion on it, which for another account's
// layer its policy must allow (AWS Lambda Developer Guide, "Granting layer
// access to other accounts").
func (s *Service) authorizeLayerUse(ctx context.Context, lv *LayerVersion) error {
	chk := service.Check{Action: "lambda:GetLayerVersion", Resource: lv.ARN(), ResourceAccount: lv.Account}
	if lv.parsed != nil {
		chk.ResourcePolicy = &policy.Named{Name: "layer version policy of " + lv.ARN(), Policy: lv.parsed}
	}
	return service.Authorize(ctx, chk)
}

var (
	statementIDRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,100}$`)
	layerPrincRE  = regexp.MustCompile(`^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$`)
	orgIDRE       = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

func validateLayerStatement(in *AddLayerVersionPermissionIn) error {
	switch {
	case !statementIDRE.MatchString(in.StatementId):
		return errValidation("1 validation error detected: Value '%s' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)", in.StatementId)
	case in.Action != "lambda:GetLayerVersion":
		return errValidation("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion", in.Action)
	case !layerPrincRE.MatchString(in.Principal):
		return errValidation("1 validation error detected: Value '%s' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root", in.Principal)
	case in.OrganizationId != "" && !orgIDRE.MatchString(in.OrganizationId):
		return errValidation("1 validation error detected: Value '%s' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}", in.OrganizationId)
	case in.OrganizationId != "" && in.Principal != "*":
		return errInvalidParameter("OrganizationId can only be used with the * principal.")
	}
	return nil
}

// updateLayerVersion changes a copy of a version and stores it, again on
// the new state when another change came first.
func (s *Service) updateLayerVersion(arn, revision string, change func(lv *LayerVersion) error) (*LayerVersion, error) {
	for attempt := 0; ; attempt++ {
		lv := s.store.layerVersion(arn)
		if lv == nil {
			return nil, errLayerNotFound()
		}
		if revision != "" && revision != lv.PolicyRevision {
			return nil, awserr.New(http.StatusPreconditionFailed, "PreconditionFailedException",
				"The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id")
		}
		c := *lv
		if err := change(&c); err != nil {
			return nil, err
		}
		c.PolicyRevision = newRevision()
		err := s.store.replaceLayerVersion(lv, &c)
		if errors.Is(err, errChanged) && attempt < 10 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &c, nil
	}
}

// setPolicy parses and binds a changed policy document ("" for none).
func (s *Service) setLayerPolicy(lv *LayerVersion, doc map[string]any) error {
	if stmts, _ := doc["Statement"].([]any); len(stmts) == 0 {
		lv.Policy, lv.parsed, lv.PolicyRefs = "", nil, nil
		return nil
	}
	b, _ := json.Marshal(doc)
	p, err := policy.Parse(string(b), policy.KindResource)
	if err != nil {
		return errInvalidParameter("%s", err.Error())
	}
	lv.Policy, lv.parsed, lv.PolicyRefs = string(b), p, s.rebindPolicy(string(b), lv.PolicyRefs)
	return nil
}

func (s *Service) addLayerVersionPermission(ctx context.Context, in *AddLayerVersionPermissionIn) (*AddLayerVersionPermissionOut, error) {
	arn, _, err := in.layerVersion(callerOf(ctx))
	if err != nil {
		return nil, err
	}
	var stmt string
	lv, err := s.updateLayerVersion(arn, in.RevisionId, func(lv *LayerVersion) error {
		doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": []any{}}
		if lv.Policy != "" {
			json.Unmarshal([]byte(lv.Policy), &doc)
		}
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == in.StatementId {
				return errConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		var principal any = "*"
		if in.Principal != "*" {
			p := in.Principal
			if len(p) == 12 {
				p = "arn:aws:iam::" + p + ":root"
			}
			principal = map[string]any{"AWS": p}
		}
		st := map[string]any{"Sid": in.StatementId, "Effect": "Allow", "Principal": principal, "Action": in.Action, "Resource": arn}
		if in.OrganizationId != "" {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": in.OrganizationId}}
		}
		doc["Statement"] = append(stmts, st)
		sb, _ := json.Marshal(st)
		stmt = string(sb)
		return s.setLayerPolicy(lv, doc)
	})
	if err != nil {
		return nil, err
	}
	return &AddLayerVersionPermissionOut{Statement: stmt, RevisionId: lv.PolicyRevision}, nil
}

func (s *Service) getLayerVersionPolicy(ctx context.Context, in *LayerVersionRef) (*GetPolicyOut, error) {
	arn, _, err := in.layerVersion(callerOf(ctx))
	if err != nil {
		return nil, err
	}
	lv := s.store.layerVersion(arn)
	if lv == nil {
		return nil, errLayerNotFound()
	}
	if lv.Policy == "" {
		return nil, awserr.New(http.StatusNotFound, "ResourceNotFoundException", "No policy is associated with the given resource.")
	}
	text := lv.Policy
	if s.opts.Principals != nil && len(lv.PolicyRefs) > 0 {
		text, _ = s.opts.Principals.ResolvePrincipals(text, lv.PolicyRefs)
	}
	return &GetPolicyOut{Policy: text, RevisionId: lv.PolicyRevision}, nil
}

func (s *Service) removeLayerVersionPermission(ctx context.Context, in *RemoveLayerVersionPermissionIn) (*Empty, error) {
	arn, _, err := in.layerVersion(callerOf(ctx))
	if err != nil {
		return nil, err
	}
	_, err = s.updateLayerVersion(arn, in.RevisionId, func(lv *LayerVersion) error {
		var doc map[string]any
		if lv.Policy == "" || json.Unmarshal([]byte(lv.Policy), &doc) != nil {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "No policy is associated with the given resource.")
		}
		stmts, _ := doc["Statement"].([]any)
		var keep []any
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == in.StatementId {
				continue
			}
			keep = append(keep, st)
		}
		if len(keep) == len(stmts) {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Statement %s is not found in resource policy.", in.StatementId)
		}
		doc["Statement"] = keep
		return s.setLayerPolicy(lv, doc)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// RegisterLayerDir makes a local directory the layer version arn (xacct
// serve --layer-dir ARN=DIR), so functions can use a layer published
// outside the emulator, such as a public one. The directory's content is
// read now; the version is usable by every account (as a public layer
// is) and is not kept in the data directory.
func (s *Service) RegisterLayerDir(arn, dir string) error {
	region, acct, name, version, ok := parseLayerVersionARN(arn)
	if !ok {
		return errValidation("%s is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)", arn)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return errInvalidParameter("layer directory %s does not exist", dir)
	}
	data, err := zipDir(dir)
	if err != nil {
		return err
	}
	content, sha, err := s.store.extract(data)
	if err != nil {
		return err
	}
	lv := &LayerVersion{Account: acct, Region: region, Name: name, Version: version, Created: s.opts.Now(), Description: "local directory " + dir,
		CodeSha256: sha, CodeSize: int64(len(data)), Dir: content, Local: true}
	doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": []any{map[string]any{
		"Sid": "xacct-layer-dir", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": arn}}}
	if err := s.setLayerPolicy(lv, doc); err != nil {
		return err
	}
	s.store.addLocalLayer(lv)
	return nil
}
