// This file holds the log group operations: create, delete, retention,
// describe and tags.

package logs

import (
	"context"
	"maps"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// CreateGroup creates a log group in acct/region (in-process API).
func (s *Service) CreateGroup(acct, region, name string, retention int32, tags map[string]string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	if retention != 0 && !validRetention(retention) {
		return errInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", retention)
	}
	return s.store.addGroup(&group{Account: acct, Region: region, Name: name, Created: nowMillis(s.now()), RetentionDays: retention,
		Class: "STANDARD", Tags: tags, streams: map[string]*stream{}})
}

func validRetention(d int32) bool {
	for _, v := range []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653} {
		if d == v {
			return true
		}
	}
	return false
}

// CreateLogGroup creates a log group.
func (s *Service) CreateLogGroup(ctx context.Context, in *CreateLogGroupIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.CreateGroup(acct, region, in.LogGroupName, 0, in.Tags)
}

// DeleteLogGroup deletes a log group and its events.
func (s *Service) DeleteLogGroup(ctx context.Context, in *GroupNameIn) (*struct{}, error) {
	acct, region := scope(ctx)
	return nil, s.store.deleteGroup(acct, region, in.LogGroupName)
}

// PutRetentionPolicy sets a group's retention.
func (s *Service) PutRetentionPolicy(ctx context.Context, in *RetentionIn) (*struct{}, error) {
	if !validRetention(in.RetentionInDays) {
		return nil, errInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", in.RetentionInDays)
	}
	return nil, s.setRetention(ctx, in.LogGroupName, in.RetentionInDays)
}

// DeleteRetentionPolicy keeps a group's events forever.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *GroupNameIn) (*struct{}, error) {
	return nil, s.setRetention(ctx, in.LogGroupName, 0)
}

func (s *Service) setRetention(ctx context.Context, name string, days int32) error {
	acct, region := scope(ctx)
	return s.store.setRetention(acct, region, name, days)
}

// pageOf returns where a page starts (the offset NextToken points at) and
// its size: limit, or max when limit is unset or larger.
func pageOf(token string, limit, max int) (start, size int, err error) {
	start, ok := paging.Offset(token)
	if !ok {
		return 0, 0, errInvalid("The specified nextToken is invalid.")
	}
	if limit <= 0 || limit > max {
		limit = max
	}
	return start, limit, nil
}

// DescribeLogGroups lists groups by prefix.
func (s *Service) DescribeLogGroups(ctx context.Context, in *DescribeGroupsIn) (*DescribeGroupsOut, error) {
	acct, region := scope(ctx)
	start, limit, err := pageOf(in.NextToken, in.Limit, 50)
	if err != nil {
		return nil, err
	}
	out := &DescribeGroupsOut{LogGroups: []GroupOut{}}
	s.store.viewGroups(acct, region, in.LogGroupNamePrefix, func(gs []*group) {
		var page []*group
		page, out.NextToken = paging.Page(gs, start, limit)
		for _, g := range page {
			var bytes int64
			for _, st := range g.streams {
				bytes += st.StoredBytes
			}
			out.LogGroups = append(out.LogGroups, GroupOut{LogGroupName: g.Name, CreationTime: g.Created, RetentionInDays: g.RetentionDays,
				Arn: g.arn() + ":*", LogGroupArn: g.arn(), StoredBytes: bytes, LogGroupClass: g.Class})
		}
	})
	return out, nil
}

// ListTagsLogGroup lists a group's tags.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *TagsIn) (*TagsOut, error) {
	acct, region := scope(ctx)
	tags := map[string]string{}
	err := s.store.view(acct, region, in.LogGroupName, func(g *group) error {
		maps.Copy(tags, g.Tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &TagsOut{Tags: tags}, nil
}
