package sns

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// MatchPublic reports whether r is one of the unsigned requests SNS answers
// on the emulator's endpoint: GET of the signing certificate
// (/SimpleNotificationService-<id>.pem), or a subscriber following the
// SubscribeURL or UnsubscribeURL of a message
// (/?Action=ConfirmSubscription&TopicArn=…&Token=…,
// /?Action=Unsubscribe&SubscriptionArn=…) without a signature.
func (s *Service) MatchPublic(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if strings.HasPrefix(r.URL.Path, "/SimpleNotificationService-") && strings.HasSuffix(r.URL.Path, ".pem") {
		return true
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Signature") != "" || r.Header.Get("Authorization") != "" {
		return false
	}
	switch q.Get("Action") {
	case "ConfirmSubscription":
		return q.Get("TopicArn") != "" && q.Get("Token") != ""
	case "Unsubscribe":
		return strings.HasPrefix(q.Get("SubscriptionArn"), "arn:aws:sns:")
	}
	return false
}

// ServePublic answers a request MatchPublic accepted: the certificate as
// PEM, or the action's query response for an anonymous caller.
func (s *Service) ServePublic(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/SimpleNotificationService-") {
		pemBytes, path, err := s.SigningCertificate()
		if err != nil || r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Header().Set("Content-Length", strconv.Itoa(len(pemBytes)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(pemBytes)
		}
		return
	}
	q := r.URL.Query()
	arn := q.Get("TopicArn")
	if arn == "" {
		arn = q.Get("SubscriptionArn")
	}
	region := ""
	if p := strings.Split(arn, ":"); len(p) > 3 {
		region = p[3]
	}
	ctx := anonymousCall(r.Context(), region, s)
	call := service.FromContext(ctx)
	s.mux.ServeAWS(w, r.WithContext(ctx), call)
}

// anonymousCall returns ctx carrying a Call for an unsigned request.
func anonymousCall(ctx context.Context, region string, s *Service) context.Context {
	call := &service.Call{
		RequestID: newID(), Service: SigningName, Region: region, Time: s.now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalAnonymous}},
		Authz:  s.opts.Authorizer, Log: s.log,
	}
	return service.WithCall(ctx, call)
}
