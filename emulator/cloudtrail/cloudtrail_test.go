package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

func callCtx(acct, region string) context.Context {
	return service.WithCall(context.Background(), &service.Call{Region: region,
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: acct, ARN: "arn:aws:iam::" + acct + ":root"}}})
}

func event(i int, acct, region, name string) *Event {
	return &Event{EventID: fmt.Sprint("ev-", i), EventName: name, AWSRegion: region, RecipientAccountID: acct, EventSource: "sts.amazonaws.com",
		EventTime: time.Unix(int64(1000+i), 0), ReadOnly: name == "GetCallerIdentity",
		Resources: []Resource{{ARN: "arn:aws:iam::" + acct + ":role/r", Type: "AWS::IAM::Role"}}}
}

func code(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

// TestLookupEvents: newest first, only the caller's account and region,
// one attribute, a time range, pages of MaxResults with a NextToken bound
// to the query (AWS CloudTrail API Reference, LookupEvents).
func TestLookupEvents(t *testing.T) {
	s := New(Options{Capacity: 100})
	for i := 0; i < 7; i++ {
		s.Add(event(i, "111111111111", "us-east-1", []string{"AssumeRole", "GetCallerIdentity"}[i%2]))
	}
	s.Add(event(7, "222222222222", "us-east-1", "AssumeRole"))
	s.Add(event(8, "111111111111", "eu-west-1", "AssumeRole"))
	ctx := callCtx("111111111111", "us-east-1")

	var ids []string
	in := &LookupEventsIn{MaxResults: intp(3)}
	for page := 0; page < 5; page++ {
		out, err := s.LookupEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			ids = append(ids, e.EventId)
		}
		if out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if fmt.Sprint(ids) != "[ev-6 ev-5 ev-4 ev-3 ev-2 ev-1 ev-0]" {
		t.Errorf("pages: got %v, want ev-6..ev-0", ids)
	}

	out, err := s.LookupEvents(ctx, &LookupEventsIn{LookupAttributes: []LookupAttribute{{"ReadOnly", "true"}}, StartTime: floatp(1002), EndTime: floatp(1005)})
	if err != nil || len(out.Events) != 2 || out.Events[0].EventId != "ev-5" || out.Events[1].EventId != "ev-3" || out.Events[0].ReadOnly != "true" {
		t.Errorf("ReadOnly=true in [1002, 1005]: %+v, %v", out, err)
	}
	out, err = s.LookupEvents(ctx, &LookupEventsIn{LookupAttributes: []LookupAttribute{{"ResourceName", "arn:aws:iam::111111111111:role/r"}}, MaxResults: intp(1)})
	if err != nil || len(out.Events) != 1 || out.Events[0].Resources[0].ResourceType != "AWS::IAM::Role" {
		t.Errorf("ResourceName: %+v, %v", out, err)
	}

	for _, tc := range []struct {
		name string
		in   LookupEventsIn
		want string
	}{
		{"two attributes", LookupEventsIn{LookupAttributes: []LookupAttribute{{"EventName", "a"}, {"Username", "b"}}}, "InvalidLookupAttributesException"},
		{"unknown key", LookupEventsIn{LookupAttributes: []LookupAttribute{{"Nope", "a"}}}, "InvalidLookupAttributesException"},
		{"max 51", LookupEventsIn{MaxResults: intp(51)}, "InvalidMaxResultsException"},
		{"max 0", LookupEventsIn{MaxResults: intp(0)}, "InvalidMaxResultsException"},
		{"start after end", LookupEventsIn{StartTime: floatp(2000), EndTime: floatp(1000)}, "InvalidTimeRangeException"},
		{"bad token", LookupEventsIn{NextToken: "garbage"}, "InvalidNextTokenException"},
		{"category", LookupEventsIn{EventCategory: "data"}, "InvalidEventCategoryException"},
	} {
		if _, err := s.LookupEvents(ctx, &tc.in); code(err) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
	// A token from another query is refused.
	first, _ := s.LookupEvents(ctx, &LookupEventsIn{MaxResults: intp(1)})
	if _, err := s.LookupEvents(ctx, &LookupEventsIn{MaxResults: intp(2), NextToken: first.NextToken}); code(err) != "InvalidNextTokenException" {
		t.Errorf("token reused with other parameters: %v", err)
	}
}

// TestBounded: the ring keeps the newest Capacity events.
func TestBounded(t *testing.T) {
	s := New(Options{Capacity: 3})
	for i := 0; i < 10; i++ {
		s.Add(event(i, "111111111111", "us-east-1", "AssumeRole"))
	}
	out, err := s.LookupEvents(callCtx("111111111111", "us-east-1"), &LookupEventsIn{})
	if err != nil || len(out.Events) != 3 || out.Events[0].EventId != "ev-9" || out.Events[2].EventId != "ev-7" {
		t.Errorf("got %+v, %v; want ev-9, ev-8, ev-7", out, err)
	}
}

func TestManagement(t *testing.T) {
	for _, tc := range []struct {
		svc, op string
		want    bool
	}{{"sts", "AssumeRole", true}, {"s3", "CreateBucket", true}, {"s3", "PutObject", false}, {"lambda", "Invoke", false}, {"lambda", "CreateFunction", true}, {"sns", "Publish", false}, {"iam", "", false}} {
		if got := Management(tc.svc, tc.op); got != tc.want {
			t.Errorf("Management(%s, %s) = %v, want %v", tc.svc, tc.op, got, tc.want)
		}
	}
}
