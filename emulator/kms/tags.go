// This file holds key tags (AWS KMS API Reference, TagResource,
// UntagResource, ListResourceTags).

package kms

import (
	"context"
	"maps"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// tagMap returns have with tags set, validated: keys of 1–128 characters
// not starting with "aws:", values of at most 256, at most 50 tags.
func tagMap(have map[string]string, tags []Tag) (map[string]string, error) {
	out := maps.Clone(have)
	if out == nil && len(tags) > 0 {
		out = map[string]string{}
	}
	for _, t := range tags {
		if t.TagKey == "" || len(t.TagKey) > 128 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'tags.member.tagKey' failed to satisfy constraint: Member must have length between 1 and 128", t.TagKey)
		}
		if len(t.TagValue) > 256 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'tags.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256", t.TagValue)
		}
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return nil, errTag("Tags beginning with aws: are reserved")
		}
		out[t.TagKey] = t.TagValue
	}
	if len(out) > 50 {
		return nil, kmsErr("LimitExceededException", "Tag limit exceeded: a KMS key can have at most 50 tags")
	}
	return out, nil
}

// TagResource adds or replaces tags of a key.
func (s *Service) TagResource(ctx context.Context, in *TagResourceIn) (*struct{}, error) {
	keys := make([]string, len(in.Tags))
	for i, t := range in.Tags {
		keys[i] = t.TagKey
	}
	_, err := s.changeWith(ctx, "TagResource", in.KeyId, "kms:TagResource", map[string][]string{"aws:TagKeys": keys}, func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		tags, err := tagMap(k.Tags, in.Tags)
		if err != nil {
			return err
		}
		k.Tags = tags
		return nil
	})
	return nil, err
}

// UntagResource removes tags of a key.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceIn) (*struct{}, error) {
	_, err := s.changeWith(ctx, "UntagResource", in.KeyId, "kms:UntagResource", map[string][]string{"aws:TagKeys": in.TagKeys}, func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		tags := maps.Clone(k.Tags)
		for _, tk := range in.TagKeys {
			delete(tags, tk)
		}
		k.Tags = tags
		return nil
	})
	return nil, err
}

// ListResourceTags lists a key's tags, sorted by key.
func (s *Service) ListResourceTags(ctx context.Context, in *ListIn) (*ListTagsOut, error) {
	t, err := s.resolve(ctx, "ListResourceTags", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:ListResourceTags", nil, nil); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	all := make([]Tag, 0, len(t.k.Tags))
	for k, v := range t.k.Tags {
		all = append(all, Tag{TagKey: k, TagValue: v})
	}
	sortBy(all, func(t Tag) string { return t.TagKey })
	page, next := paging.Page(all, start, size)
	return &ListTagsOut{Tags: append([]Tag{}, page...), NextMarker: next, Truncated: next != ""}, nil
}
