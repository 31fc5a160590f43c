package cloudformation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
)

// Options configures the service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps stacks in DataDir/cloudformation.
	DataDir string
	// Clients returns an aws.Config that calls the emulator as caller in
	// region: the stack engine creates resources with it.
	Clients func(ctx context.Context, caller *service.Caller, region string) (aws.Config, error)
	// ServiceRole returns the caller for a stack's service role (RoleARN):
	// a session of that role issued to cloudformation.amazonaws.com.
	ServiceRole func(ctx context.Context, roleARN string) (*service.Caller, error)
	// ManagedPolicyARN resolves AWS managed policy names for the SAM
	// transform's Policies property.
	ManagedPolicyARN func(name string) (string, bool)
	// Settle is how long a stack operation's API call waits for the
	// operation to finish before returning (default 10s). CloudFormation
	// answers at once and works in the background; waiting briefly lets
	// clients' waiters, which sleep 30 seconds between polls, find the
	// stack finished on their first poll.
	Settle time.Duration
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Service is the emulated CloudFormation. It is safe for concurrent use.
type Service struct {
	opts Options
	log  *slog.Logger
	mux  *query.Mux

	store *store // the stacks (store.go)
	work  sync.WaitGroup
}

// New returns the service, loading stacks from DataDir.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Settle == 0 {
		opts.Settle = 10 * time.Second
	}
	s := &Service{opts: opts, log: opts.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	path := ""
	if opts.DataDir != "" {
		dir := filepath.Join(opts.DataDir, "cloudformation")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "stacks.json")
	}
	st, err := newStore(path, s.now)
	if err != nil {
		return nil, err
	}
	s.store = st
	s.mux = s.newMux()
	return s, nil
}

// Close waits for running stack operations.
func (s *Service) Close() error {
	s.work.Wait()
	return nil
}

// Wait blocks until no stack operation is running.
func (s *Service) Wait() { s.work.Wait() }

// ServeAWS implements service.Handler.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	s.mux.ServeAWS(w, r, call)
}

// WriteError implements service.Handler.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	s.mux.WriteError(w, r, call, err)
}

func (s *Service) newMux() *query.Mux {
	m := query.NewMux(Namespace)
	stackCheck := func(action string, name func() string) func(*service.Call) service.Check {
		return func(c *service.Call) service.Check {
			return service.Check{Action: "cloudformation:" + action, Resource: stackResource(c, name())}
		}
	}
	query.Register(m, service.Op[CreateStackIn, CreateStackOut]{Name: "CreateStack", Run: s.CreateStack,
		Check: func(c *service.Call, in *CreateStackIn) service.Check {
			return stackCheck("CreateStack", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[UpdateStackIn, UpdateStackOut]{Name: "UpdateStack", Run: s.UpdateStack,
		Check: func(c *service.Call, in *UpdateStackIn) service.Check {
			return stackCheck("UpdateStack", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[DeleteStackIn, Empty]{Name: "DeleteStack", Run: s.DeleteStack,
		Check: func(c *service.Call, in *DeleteStackIn) service.Check {
			return stackCheck("DeleteStack", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[UpdateTerminationProtectionIn, UpdateTerminationProtectionOut]{Name: "UpdateTerminationProtection", Run: s.UpdateTerminationProtection,
		Check: func(c *service.Call, in *UpdateTerminationProtectionIn) service.Check {
			return stackCheck("UpdateTerminationProtection", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[DescribeStacksIn, DescribeStacksOut]{Name: "DescribeStacks", Run: s.DescribeStacks,
		Check: func(c *service.Call, in *DescribeStacksIn) service.Check {
			return stackCheck("DescribeStacks", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[DescribeStackEventsIn, DescribeStackEventsOut]{Name: "DescribeStackEvents", Run: s.DescribeStackEvents,
		Check: func(c *service.Call, in *DescribeStackEventsIn) service.Check {
			return stackCheck("DescribeStackEvents", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[DescribeStackResourcesIn, DescribeStackResourcesOut]{Name: "DescribeStackResources", Run: s.DescribeStackResources,
		Check: func(c *service.Call, in *DescribeStackResourcesIn) service.Check {
			return stackCheck("DescribeStackResources", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ListStackResourcesIn, ListStackResourcesOut]{Name: "ListStackResources", Run: s.ListStackResources,
		Check: func(c *service.Call, in *ListStackResourcesIn) service.Check {
			return stackCheck("ListStackResources", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[ListStacksIn, ListStacksOut]{Name: "ListStacks", Run: s.ListStacks,
		Check: func(c *service.Call, in *ListStacksIn) service.Check {
			return service.Check{Action: "cloudformation:ListStacks", Resource: "*"}
		}})
	query.Register(m, service.Op[GetTemplateIn, GetTemplateOut]{Name: "GetTemplate", Run: s.GetTemplate,
		Check: func(c *service.Call, in *GetTemplateIn) service.Check {
			return stackCheck("GetTemplate", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ValidateTemplateIn, ValidateTemplateOut]{Name: "ValidateTemplate", Run: s.ValidateTemplate,
		Check: func(c *service.Call, in *ValidateTemplateIn) service.Check {
			return service.Check{Action: "cloudformation:ValidateTemplate", Resource: "*"}
		}})
	query.Register(m, service.Op[CreateChangeSetIn, CreateChangeSetOut]{Name: "CreateChangeSet", Run: s.CreateChangeSet,
		Check: func(c *service.Call, in *CreateChangeSetIn) service.Check {
			return stackCheck("CreateChangeSet", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[ChangeSetRef, DescribeChangeSetOut]{Name: "DescribeChangeSet", Run: s.DescribeChangeSet,
		Check: func(c *service.Call, in *ChangeSetRef) service.Check {
			return stackCheck("DescribeChangeSet", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ChangeSetRef, Empty]{Name: "ExecuteChangeSet", Run: s.ExecuteChangeSet,
		Check: func(c *service.Call, in *ChangeSetRef) service.Check {
			return stackCheck("ExecuteChangeSet", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ChangeSetRef, Empty]{Name: "DeleteChangeSet", Run: s.DeleteChangeSet,
		Check: func(c *service.Call, in *ChangeSetRef) service.Check {
			return stackCheck("DeleteChangeSet", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ListChangeSetsIn, ListChangeSetsOut]{Name: "ListChangeSets", Run: s.ListChangeSets,
		Check: func(c *service.Call, in *ListChangeSetsIn) service.Check {
			return stackCheck("ListChangeSets", func() string { return in.StackName })(c)
		}})
	query.Register(m, service.Op[GetTemplateSummaryIn, GetTemplateSummaryOut]{Name: "GetTemplateSummary", Run: s.GetTemplateSummary,
		Check: func(c *service.Call, in *GetTemplateSummaryIn) service.Check {
			return stackCheck("GetTemplateSummary", func() string { return aws.ToString(in.StackName) })(c)
		}})
	query.Register(m, service.Op[ListExportsIn, ListExportsOut]{Name: "ListExports", Run: s.ListExports,
		Check: func(c *service.Call, in *ListExportsIn) service.Check {
			return service.Check{Action: "cloudformation:ListExports", Resource: "*"}
		}})
	return m
}

// stackResource is the ARN pattern a stack action is authorized on.
func stackResource(c *service.Call, name string) string {
	if name == "" {
		return "*"
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return "arn:aws:cloudformation:" + c.Region + ":" + c.Caller.Account() + ":stack/" + name + "/*"
}

var stackNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

func validateStackName(name string) error {
	if !stackNameRE.MatchString(name) || len(name) > 128 {
		return awserr.Validation("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomSuffix is the random tail CloudFormation adds to generated names.
func randomSuffix(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// settle waits up to Options.Settle for done.
func (s *Service) settle(done <-chan struct{}) {
	t := time.NewTimer(s.opts.Settle)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// run starts op in the background and waits for it to settle.
func (s *Service) run(op func()) {
	done := make(chan struct{})
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		defer close(done)
		op()
		if err := s.store.save(); err != nil {
			s.log.Error("cloudformation: saving stacks", slog.Any("error", err))
		}
	}()
	s.settle(done)
}

// templateOf parses and processes a template body for a stack.
type prepared struct {
	body      []byte
	processed *cfntemplate.Template
	bound     *cfntemplate.Bound
	params    []cfntemplate.ParameterValue
	input     map[string]string
}
