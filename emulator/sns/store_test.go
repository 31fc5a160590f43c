package sns

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
)

// TestFailedSaveIsUndone: a change whose state.json cannot be written is
// refused and undone (it was never acknowledged), both for a new topic and
// for a changed attribute of a topic that stays; the state written before
// is what a restart loads.
func TestFailedSaveIsUndone(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *Options) { o.DataDir = dir })
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "kept")
	setName := func(v string) error {
		_, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn,
			AttributeName: aws.String("DisplayName"), AttributeValue: aws.String(v)})
		return err
	}
	if err := setName("before"); err != nil {
		t.Fatal(err)
	}
	// A non-empty directory where state.json was: the atomic rename of
	// every save fails, for root too.
	file := filepath.Join(dir, "sns", "state.json")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(file, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, errCreate := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("lost")})
	errSet := setName("after")
	if err := os.RemoveAll(file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	if errCreate == nil || errSet == nil {
		t.Fatalf("changes with an unwritable data dir: CreateTopic %v, SetTopicAttributes %v; want both refused", errCreate, errSet)
	}
	check := func(t *testing.T, c *awssns.Client) {
		t.Helper()
		out, err := c.ListTopics(ctx, &awssns.ListTopicsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Topics) != 1 || aws.ToString(out.Topics[0].TopicArn) != arn {
			t.Errorf("topics: got %v, want only %s", out.Topics, arn)
		}
		attrs, err := c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if got := attrs.Attributes["DisplayName"]; got != "before" {
			t.Errorf("DisplayName: got %q, want %q", got, "before")
		}
	}
	check(t, c)
	e.svc.Close()
	restarted := newEnv(t, func(o *Options) { o.DataDir = dir })
	check(t, restarted.client("111111111111"))
}
