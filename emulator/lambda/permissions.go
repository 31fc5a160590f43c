package lambda

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// addPermission adds a statement to the function's resource-based policy
// (AWS Lambda API Reference, AddPermission).
func (s *Service) addPermission(ctx context.Context, in *AddPermissionIn) (*AddPermissionOut, error) {
	var stmt string
	_, err := s.update(ctx, in.FunctionName, func(f *Function) error {
		if in.StatementId == "" || in.Action == "" || in.Principal == "" {
			return errValidation("StatementId, Action and Principal are required")
		}
		doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": []any{}}
		if f.Policy != "" {
			json.Unmarshal([]byte(f.Policy), &doc)
		}
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == in.StatementId {
				return errConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		principal := map[string]any{"Service": in.Principal}
		if !strings.Contains(in.Principal, ".") {
			p := in.Principal
			if len(p) == 12 {
				p = "arn:aws:iam::" + p + ":root"
			}
			principal = map[string]any{"AWS": p}
		}
		st := map[string]any{"Sid": in.StatementId, "Effect": "Allow", "Principal": principal, "Action": in.Action, "Resource": f.ARN()}
		cond := map[string]any{}
		if in.SourceArn != "" {
			cond["ArnLike"] = map[string]any{"AWS:SourceArn": in.SourceArn}
		}
		if in.SourceAccount != "" {
			cond["StringEquals"] = map[string]any{"AWS:SourceAccount": in.SourceAccount}
		}
		if len(cond) > 0 {
			st["Condition"] = cond
		}
		doc["Statement"] = append(stmts, st)
		b, _ := json.Marshal(doc)
		p, err := policy.Parse(string(b), policy.KindResource)
		if err != nil {
			return errInvalidParameter("%s", err.Error())
		}
		f.Policy, f.parsed, f.PolicyRefs = string(b), p, s.rebindPolicy(string(b), f.PolicyRefs)
		sb, _ := json.Marshal(st)
		stmt = string(sb)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddPermissionOut{Statement: stmt}, nil
}

// getPolicy returns the function's resource-based policy.
func (s *Service) getPolicy(ctx context.Context, in *FunctionRef) (*GetPolicyOut, error) {
	f, err := s.lookup(ctx, in.FunctionName)
	if err != nil {
		return nil, err
	}
	if f.Policy == "" {
		return nil, awserr.New(http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
	}
	text, _ := s.functionPolicy(f)
	return &GetPolicyOut{Policy: text, RevisionId: f.RevisionID}, nil
}

// removePermission removes a statement by id.
func (s *Service) removePermission(ctx context.Context, in *RemovePermissionIn) (*Empty, error) {
	sid := in.StatementId
	_, err := s.update(ctx, in.FunctionName, func(f *Function) error {
		var doc map[string]any
		if f.Policy == "" || json.Unmarshal([]byte(f.Policy), &doc) != nil {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "No policy is associated with the given resource.")
		}
		stmts, _ := doc["Statement"].([]any)
		var keep []any
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == sid {
				continue
			}
			keep = append(keep, st)
		}
		if len(keep) == len(stmts) {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Statement %s is not found in resource policy.", sid)
		}
		if len(keep) == 0 {
			f.Policy, f.parsed, f.PolicyRefs = "", nil, nil
			return nil
		}
		doc["Statement"] = keep
		b, _ := json.Marshal(doc)
		f.Policy = string(b)
		f.parsed, _ = policy.Parse(f.Policy, policy.KindResource)
		f.PolicyRefs = s.rebindPolicy(f.Policy, f.PolicyRefs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
