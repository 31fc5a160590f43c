package emulator

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/cloudtrail"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// This file turns each handled request into its CloudTrail event(s): the
// front door knows the caller, the operation and the outcome; the request's
// service.Audit what authorization saw and what the operation recorded.

func startCloudTrail(e *Emulator) (running, error) {
	e.cloudtrail = cloudtrail.New(cloudtrail.Options{})
	return running{handler: e.cloudtrail.Mux()}, nil
}

// CloudTrail returns the CloudTrail service.
func (e *Emulator) CloudTrail() *cloudtrail.Service { return e.cloudtrail }

// maxErrorBody is how much of an error response the front door keeps to
// read its code and message for the CloudTrail event.
const maxErrorBody = 4 << 10

// recordEvent records the management event of a handled request: in the
// caller's account, and, when the request acted on a resource of another
// account, in that account too with a shared event id.
func (e *Emulator) recordEvent(call *service.Call, name string, w *statusWriter) {
	if e.cloudtrail == nil || call.Caller == nil || !cloudtrail.Management(name, call.Operation) {
		return
	}
	resources, code, msg, params, response := call.Audit.Snapshot()
	if w.status >= 400 {
		if c, m := errorOf(w); c != "" {
			code, msg = c, m
		} else if code == "" {
			code = http.StatusText(w.status)
		}
		response = nil
	} else {
		code, msg = "", ""
	}
	c := call.Caller
	ev := cloudtrail.Event{
		EventVersion: cloudtrail.EventVersion, UserIdentity: userIdentity(c), EventTime: call.Time,
		EventSource: cloudtrail.EventSource(name), EventName: call.Operation, AWSRegion: call.Region,
		SourceIPAddress: call.SourceIP, UserAgent: call.UserAgent, ErrorCode: code, ErrorMessage: msg,
		RequestParameters: params, ResponseElements: response, RequestID: call.RequestID,
		ReadOnly: cloudtrail.ReadOnly(call.Operation), EventType: "AwsApiCall", ManagementEvent: true,
		EventCategory: "Management",
	}
	accounts := []string{c.Account()}
	for _, r := range resources {
		ev.Resources = append(ev.Resources, cloudtrail.Resource{ARN: r.ARN, AccountID: r.Account, Type: cloudtrail.ResourceType(r.ARN)})
		if auth.IsAccountID(r.Account) && !contains(accounts, r.Account) {
			accounts = append(accounts, r.Account)
		}
	}
	if c.Anonymous() || c.Principal.Type == policy.PrincipalService {
		accounts = accounts[1:] // only the resource owner's account has the event
	}
	shared := ""
	if len(accounts) > 1 {
		shared = newRequestID()
	}
	for _, acct := range accounts {
		if !auth.IsAccountID(acct) {
			continue
		}
		copyEv := ev
		copyEv.EventID, copyEv.RecipientAccountID, copyEv.SharedEventID = newRequestID(), acct, shared
		e.cloudtrail.Add(&copyEv)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// userIdentity is the event's userIdentity for the caller (CloudTrail User
// Guide, "CloudTrail userIdentity element").
func userIdentity(c *service.Caller) cloudtrail.UserIdentity {
	p := c.Principal
	switch p.Type {
	case policy.PrincipalRoot:
		return cloudtrail.UserIdentity{Type: "Root", PrincipalID: p.Account, ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID}
	case policy.PrincipalUser:
		u := cloudtrail.UserIdentity{Type: "IAMUser", PrincipalID: p.UniqueID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID, UserName: c.UserName}
		if c.UserSession {
			u.SessionContext = &cloudtrail.SessionContext{Attributes: sessionAttributes(c)}
		}
		return u
	case policy.PrincipalAssumedRole:
		roleID, _, _ := strings.Cut(p.UniqueID, ":")
		return cloudtrail.UserIdentity{Type: "AssumedRole", PrincipalID: p.UniqueID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID,
			SessionContext: &cloudtrail.SessionContext{
				SessionIssuer:  &cloudtrail.SessionIssuer{Type: "Role", PrincipalID: roleID, ARN: p.RoleARN, AccountID: p.Account, UserName: c.RoleName},
				Attributes:     sessionAttributes(c),
				SourceIdentity: c.SourceIdentity,
			}}
	case policy.PrincipalService:
		return cloudtrail.UserIdentity{Type: "AWSService", InvokedBy: p.Service}
	case policy.PrincipalFederatedUser:
		return cloudtrail.UserIdentity{Type: "FederatedUser", PrincipalID: p.UniqueID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID}
	}
	return cloudtrail.UserIdentity{Type: "AWSAccount", AccountID: "ANONYMOUS_PRINCIPAL"}
}

func sessionAttributes(c *service.Caller) cloudtrail.SessionAttributes {
	a := cloudtrail.SessionAttributes{MFAAuthenticated: "false"}
	if !c.Issued.IsZero() {
		a.CreationDate = c.Issued.UTC().Format("2006-01-02T15:04:05Z")
	}
	return a
}

// errorOf reads the error code and message of an error response: S3's and
// the query protocol's XML (<Code>, <Message>), the JSON protocols'
// (__type or code, message), Lambda's X-Amzn-ErrorType header.
func errorOf(w *statusWriter) (code, msg string) {
	b := w.errBody
	if i := bytes.Index(b, []byte("<Code>")); i >= 0 {
		code = between(b[i:], "<Code>", "</Code>")
		if j := bytes.Index(b, []byte("<Message>")); j >= 0 {
			msg = between(b[j:], "<Message>", "</Message>")
		}
		return html.UnescapeString(code), html.UnescapeString(msg)
	}
	var j map[string]any
	if json.Unmarshal(b, &j) == nil {
		for _, k := range []string{"__type", "code", "Code"} {
			if s, ok := j[k].(string); ok && s != "" {
				code = s
				break
			}
		}
		for _, k := range []string{"message", "Message"} {
			if s, ok := j[k].(string); ok {
				msg = s
				break
			}
		}
	}
	if t := w.Header().Get("X-Amzn-ErrorType"); t != "" {
		code, _, _ = strings.Cut(t, ":")
	}
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	return code, msg
}

func between(b []byte, open, close string) string {
	s := string(b[len(open):])
	if i := strings.Index(s, close); i >= 0 {
		return s[:i]
	}
	return s
}
