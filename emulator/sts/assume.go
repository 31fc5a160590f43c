package sts

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Limits from the STS API Reference, AssumeRole.
const (
	minDuration     = 900
	defaultDuration = 3600
	chainedMax      = 3600
	maxPolicyArns   = 10
	maxSessionTags  = 50
)

func (s *Service) validate(in *AssumeRoleIn) error {
	if n := len(in.RoleArn); n < 20 || n > 2048 {
		return validationError("roleArn", in.RoleArn, "have length greater than or equal to 20")
	}
	if n := len(in.RoleSessionName); n < 2 || n > 64 {
		return validationError("roleSessionName", in.RoleSessionName, "have length greater than or equal to 2 and less than or equal to 64")
	}
	if !checkChars(in.RoleSessionName, "+=,.@-") {
		return validationError("roleSessionName", in.RoleSessionName, `satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	if d := in.DurationSeconds; d != nil && *d < minDuration {
		return validationError("durationSeconds", strconv.Itoa(int(*d)), "have value greater than or equal to 900")
	}
	if d := in.DurationSeconds; d != nil && *d > 43200 {
		return validationError("durationSeconds", strconv.Itoa(int(*d)), "have value less than or equal to 43200")
	}
	if e := in.ExternalId; e != nil {
		if n := len(*e); n < 2 || n > 1224 {
			return validationError("externalId", *e, "have length greater than or equal to 2 and less than or equal to 1224")
		}
		if !checkChars(*e, "+=,.@:/-") {
			return validationError("externalId", *e, `satisfy regular expression pattern: [\w+=,.@:\/-]*`)
		}
	}
	if si := in.SourceIdentity; si != nil {
		if n := len(*si); n < 2 || n > 64 {
			return validationError("sourceIdentity", *si, "have length greater than or equal to 2 and less than or equal to 64")
		}
		if strings.HasPrefix(strings.ToLower(*si), "aws:") || !checkChars(*si, "+=,.@-") {
			return validationError("sourceIdentity", *si, `satisfy regular expression pattern: [\w+=,.@-]*`)
		}
	}
	if len(in.PolicyArns) > maxPolicyArns {
		return validationError("policyArns", strconv.Itoa(len(in.PolicyArns)), "have length less than or equal to 10")
	}
	if len(in.Tags) > maxSessionTags {
		return validationError("tags", strconv.Itoa(len(in.Tags)), "have length less than or equal to 50")
	}
	return nil
}

// AssumeRole issues credentials for a role when the caller's identity
// policies (for a cross-account role, in the caller's account) and the
// role's trust policy both allow it.
func (s *Service) AssumeRole(ctx context.Context, in *AssumeRoleIn) (*AssumeRoleOut, error) {
	call := service.FromContext(ctx)
	if err := s.validate(in); err != nil {
		return nil, err
	}
	caller := call.Caller
	call.Audit.SetParameters(auditParameters(in))
	if caller.Principal.Type == policy.PrincipalRoot {
		// STS refuses the root user before looking at the role (IAM User
		// Guide, "Compare AWS STS credentials": AssumeRole can be called by
		// an IAM user or a role session, not the root user).
		return nil, awserr.AccessDenied("Roles may not be assumed by root accounts.")
	}
	chained := caller.Principal.Type == policy.PrincipalAssumedRole
	if err := checkChain(in, caller, chained); err != nil {
		return nil, err
	}

	acct, name, ok := roleFromARN(in.RoleArn)
	if !ok {
		return nil, validationError("roleArn", in.RoleArn, "satisfy constraint: must be a role ARN")
	}
	role, found := s.iam.Role(acct, name)
	if !found || role.ARN != in.RoleArn {
		// AWS answers as for a trust policy that does not allow the
		// caller; the emulator says the role is not there.
		return nil, service.Explained(denied(caller.ARN(), in.RoleArn), s.missingRole(ctx, acct, name, role, in.RoleArn))
	}

	// Authorization: identity side and the trust policy, as one
	// cross-account (or same-account) evaluation.
	trust := policy.Named{Name: "trust policy of " + role.ARN, Policy: s.iam.TrustPolicy(role)}
	cx := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}}
	if in.ExternalId != nil {
		cx["sts:ExternalId"] = []string{*in.ExternalId}
	}
	if in.SourceIdentity != nil {
		cx["sts:SourceIdentity"] = []string{*in.SourceIdentity}
	}
	if len(in.Tags) > 0 {
		keys := make([]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			keys = append(keys, t.Key)
			cx["aws:RequestTag/"+t.Key] = []string{t.Value}
		}
		cx["aws:TagKeys"] = keys
	}
	if len(in.TransitiveTagKeys) > 0 {
		cx["sts:TransitiveTagKeys"] = in.TransitiveTagKeys
	}
	check := func(action string) error {
		chk := service.Check{Action: action, Resource: role.ARN, ResourceAccount: role.Account, ResourcePolicy: &trust, Context: cx}
		d := call.Authz.Decide(ctx, call, chk)
		if !d.Allowed() {
			why := service.Diagnose(call, chk, d)
			if action == "sts:AssumeRole" {
				// An SCP or RCP names itself in the message within one
				// account or organization (service.OrgDenyReason); a
				// trust policy never does.
				return service.Explained(awserr.AccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s%s",
					caller.ARN(), role.ARN, service.OrgDenyReason(call, chk, d)), why)
			}
			return service.Explained(awserr.AccessDenied("User: %s is not authorized to perform: %s on resource: %s", caller.ARN(), action, role.ARN), why)
		}
		return nil
	}
	if err := check("sts:AssumeRole"); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		if err := check("sts:TagSession"); err != nil {
			return nil, err
		}
	}
	if in.SourceIdentity != nil {
		if err := check("sts:SetSourceIdentity"); err != nil {
			return nil, err
		}
	}

	// Duration: the role's maximum, one hour when chaining.
	duration := int32(defaultDuration)
	if in.DurationSeconds != nil {
		duration = *in.DurationSeconds
	}
	if chained && duration > chainedMax {
		return nil, awserr.New(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > role.MaxSessionDuration {
		return nil, awserr.New(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	// Session policies.
	var policyText string
	if in.Policy != nil {
		policyText = *in.Policy
		if _, err := policy.Parse(policyText, policy.KindSession); err != nil {
			return nil, sessionPolicyError(err)
		}
	}
	var arns []string
	for _, pd := range in.PolicyArns {
		if _, err := s.iam.ManagedPolicy(role.Account, pd.Arn); err != nil {
			return nil, awserr.New(http.StatusBadRequest, "InvalidParameterValue", "The policy ARN %s is not valid or does not exist.", pd.Arn)
		}
		arns = append(arns, pd.Arn)
	}
	packed := packedSize(policyText, arns, in.Tags)
	if packed > 100 {
		return nil, awserr.New(http.StatusBadRequest, "PackedPolicyTooLarge",
			"Packed policy consumes %d%% of allotted space, please use smaller policy.", packed)
	}

	sess := s.newSession(role, in.RoleSessionName, duration)
	sess.Policy, sess.PolicyArns, sess.Chained = policyText, arns, chained
	sess.Tags, sess.TransitiveTagKeys = sessionTags(role, caller, in.Tags, in.TransitiveTagKeys)
	if in.SourceIdentity != nil {
		sess.SourceIdentity = *in.SourceIdentity
	} else if chained {
		sess.SourceIdentity = caller.SourceIdentity
	}
	if err := s.sessions.add(sess); err != nil {
		return nil, err
	}
	s.iam.NoteRoleUsed(role, call.Region, call.Time)
	out := &AssumeRoleOut{
		Credentials:     Credentials{AccessKeyId: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, Expiration: sess.Expires},
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: sess.UniqueID(), Arn: sess.ARN()},
		SourceIdentity:  sess.SourceIdentity,
	}
	if policyText != "" || len(arns) > 0 || len(in.Tags) > 0 || len(inheritedTransitive(caller)) > 0 {
		out.PackedPolicySize = &packed
	}
	call.Audit.SetResponse(auditResponse(out))
	return out, nil
}

func (s *Service) newSession(role *iam.Role, sessionName string, duration int32) *Session {
	now := s.now().UTC().Truncate(time.Second)
	return &Session{
		AccessKeyID:     iam.NewSessionKeyID(),
		SecretAccessKey: iam.NewSecret(),
		SessionToken:    newToken(),
		// STS writes Expiration to the second.
		Expires:     now.Add(secondsDuration(duration)),
		Issued:      now,
		Account:     role.Account,
		RoleName:    role.Name,
		RoleARN:     role.ARN,
		RoleID:      role.ID,
		SessionName: sessionName,
	}
}

// sessionTags computes a new session's principal tags: the role's tags,
// then tags passed on transitively by a calling session, then the request's
// session tags (IAM User Guide, "Passing session tags in AWS STS").
func sessionTags(role *iam.Role, caller *service.Caller, tags []Tag, transitive []string) (map[string]string, []string) {
	m := iam.Tags(role.Tags)
	set := func(k, v string) {
		if m == nil {
			m = map[string]string{}
		}
		for old := range m {
			if strings.EqualFold(old, k) {
				delete(m, old)
			}
		}
		m[k] = v
	}
	var keys []string
	for _, k := range inheritedTransitive(caller) {
		set(k, caller.Principal.Tags[k])
		keys = append(keys, k)
	}
	for _, t := range tags {
		set(t.Key, t.Value)
	}
	return m, append(keys, transitive...)
}

// checkChain refuses what STS refuses in a request's session tags and
// source identity (STS API Reference, AssumeRole: Tags, SourceIdentity):
// two tags whose keys differ only in case; in a role chain, a tag whose key
// is one of the calling session's transitive tags, and a source identity
// other than the calling session's.
func checkChain(in *AssumeRoleIn, caller *service.Caller, chained bool) error {
	seen := make(map[string]bool, len(in.Tags))
	for _, t := range in.Tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return awserr.New(http.StatusBadRequest, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	if !chained {
		return nil
	}
	for _, k := range inheritedTransitive(caller) {
		if seen[strings.ToLower(k)] {
			return awserr.New(http.StatusBadRequest, "InvalidParameterValue",
				"Session tag key %s is a transitive tag of the calling session and cannot be set again in a role chain.", k)
		}
	}
	if si := in.SourceIdentity; si != nil && caller.SourceIdentity != "" && *si != caller.SourceIdentity {
		return awserr.New(http.StatusBadRequest, "InvalidParameterValue",
			"The source identity of a role session cannot be changed: the calling session's source identity is %s.", caller.SourceIdentity)
	}
	return nil
}

// inheritedTransitive returns the keys of the calling session's transitive
// tags that a chained session inherits.
func inheritedTransitive(caller *service.Caller) []string {
	if caller.Principal.Type != policy.PrincipalAssumedRole {
		return nil
	}
	var keys []string
	for _, tk := range caller.TransitiveTagKeys {
		// Tag keys are case-insensitive: a transitive key names the tag
		// whatever the case it was given in.
		for k := range caller.Principal.Tags {
			if strings.EqualFold(k, tk) {
				keys = append(keys, k)
				break
			}
		}
	}
	return keys
}

// AssumeRoleForService issues a session of roleARN for an AWS service
// principal (Lambda assuming a function's execution role). Only the role's
// trust policy decides: it must allow the service to call sts:AssumeRole.
func (s *Service) AssumeRoleForService(ctx context.Context, roleARN, servicePrincipal, sessionName string, duration int32) (*Session, error) {
	return s.AssumeRoleForServiceWith(ctx, roleARN, servicePrincipal, sessionName, duration, nil)
}

// AssumeRoleForServiceWith is AssumeRoleForService with the request's
// condition keys (aws:SourceAccount, aws:SourceArn), which a trust policy
// limiting the service to one account or resource tests (IAM User Guide,
// "The confused deputy problem").
func (s *Service) AssumeRoleForServiceWith(ctx context.Context, roleARN, servicePrincipal, sessionName string, duration int32, keys map[string][]string) (*Session, error) {
	role, err := s.serviceTrust(roleARN, servicePrincipal, keys)
	if err != nil {
		return nil, err
	}
	if duration == 0 {
		duration = defaultDuration
	}
	sess := s.newSession(role, sessionName, duration)
	sess.Tags, sess.Service = iam.Tags(role.Tags), servicePrincipal
	if err := s.sessions.add(sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// missingRole records and explains an AssumeRole of a role that does not
// exist (or exists under another path).
func (s *Service) missingRole(ctx context.Context, acct, name string, role *iam.Role, arn string) string {
	why := "no role `" + name + "` in account " + acct + "; " + service.Listing("roles there", name, s.iam.RoleNames(acct))
	if role != nil {
		why = "no role " + arn + " in account " + acct + ": the role `" + role.Name + "` there is " + role.ARN + " (its path differs)"
	}
	return service.RecordMissing(ctx, service.Check{Action: "sts:AssumeRole", Resource: arn, ResourceAccount: acct}, why)
}

// CheckServiceTrust reports whether roleARN's trust policy lets an AWS
// service principal assume it, without issuing a session (Lambda checks its
// execution role when a function is created).
func (s *Service) CheckServiceTrust(roleARN, servicePrincipal string) error {
	_, err := s.serviceTrust(roleARN, servicePrincipal, nil)
	return err
}

// serviceTrust returns the role roleARN names if its trust policy lets the
// service principal call sts:AssumeRole; AccessDenied if it does not or
// there is no such role.
func (s *Service) serviceTrust(roleARN, servicePrincipal string, keys map[string][]string) (*iam.Role, error) {
	acct, name, ok := roleFromARN(roleARN)
	if !ok {
		return nil, validationError("roleArn", roleARN, "satisfy constraint: must be a role ARN")
	}
	role, found := s.iam.Role(acct, name)
	if !found || role.ARN != roleARN {
		return nil, awserr.AccessDenied("%s is not authorized to perform: sts:AssumeRole on resource: %s", servicePrincipal, roleARN)
	}
	req := &policy.Request{
		Principal:       policy.Principal{Type: policy.PrincipalService, Service: servicePrincipal, ARN: servicePrincipal},
		Action:          "sts:AssumeRole",
		Resource:        role.ARN,
		ResourceAccount: role.Account,
	}
	for k, v := range keys {
		req.Context.Set(k, v...)
	}
	d := policy.Evaluate(req, &policy.Set{Resource: &policy.Named{Name: "trust policy of " + role.ARN, Policy: s.iam.TrustPolicy(role)}})
	if !d.Allowed() {
		return nil, awserr.AccessDenied("%s is not authorized to perform: sts:AssumeRole on resource: %s", servicePrincipal, roleARN)
	}
	return role, nil
}

// auditParams is AssumeRole's requestParameters in its CloudTrail event
// (IAM User Guide, "Example AWS STS API events in CloudTrail log"). A
// struct rather than a map: it is built on every AssumeRole and encoded
// only when someone reads the event.
type auditParams struct {
	RoleArn           string     `json:"roleArn"`
	RoleSessionName   string     `json:"roleSessionName"`
	ExternalID        *string    `json:"externalId,omitempty"`
	DurationSeconds   *int32     `json:"durationSeconds,omitempty"`
	SourceIdentity    *string    `json:"sourceIdentity,omitempty"`
	Tags              []auditTag `json:"tags,omitempty"`
	TransitiveTagKeys []string   `json:"transitiveTagKeys,omitempty"`
}

type auditTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func auditParameters(in *AssumeRoleIn) *auditParams {
	p := &auditParams{RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName, ExternalID: in.ExternalId,
		DurationSeconds: in.DurationSeconds, SourceIdentity: in.SourceIdentity, TransitiveTagKeys: in.TransitiveTagKeys}
	for _, t := range in.Tags {
		p.Tags = append(p.Tags, auditTag{Key: t.Key, Value: t.Value})
	}
	return p
}

// auditResp is AssumeRole's responseElements in its CloudTrail event: the
// credentials without their secret access key, as AWS writes them. The
// emulator leaves the session token out too (AWS writes it): its events,
// like its decision trail, hold no credential that signs requests.
type auditResp struct {
	Credentials struct {
		AccessKeyID string     `json:"accessKeyId"`
		Expiration  trailClock `json:"expiration"`
	} `json:"credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `json:"assumedRoleId"`
		ARN           string `json:"arn"`
	} `json:"assumedRoleUser"`
	SourceIdentity string `json:"sourceIdentity,omitempty"`
}

// trailClock is a time CloudTrail writes in STS's responseElements form,
// "Jan 2, 2006 3:04:05 PM" (UTC), formatted only when encoded.
type trailClock time.Time

// MarshalJSON writes the time in CloudTrail's responseElements form.
func (t trailClock) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format("Jan 2, 2006 3:04:05 PM"))
}

func auditResponse(out *AssumeRoleOut) *auditResp {
	r := &auditResp{SourceIdentity: out.SourceIdentity}
	r.Credentials.AccessKeyID = out.Credentials.AccessKeyId
	r.Credentials.Expiration = trailClock(out.Credentials.Expiration)
	r.AssumedRoleUser.AssumedRoleID, r.AssumedRoleUser.ARN = out.AssumedRoleUser.AssumedRoleId, out.AssumedRoleUser.Arn
	return r
}
