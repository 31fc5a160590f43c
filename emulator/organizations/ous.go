// This file holds the organizational units: CreateOrganizationalUnit,
// DescribeOrganizationalUnit, UpdateOrganizationalUnit,
// DeleteOrganizationalUnit and ListOrganizationalUnitsForParent.

package organizations

import (
	"context"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
)

func (o *organization) ouOut(u *ouNode) OUOut {
	return OUOut{Arn: o.ouARN(u.ID), Id: u.ID, Name: u.Name}
}

// ous returns the OUs directly in parent, by id.
func (o *organization) ous(parent string) []*ouNode {
	var out []*ouNode
	for _, id := range sortedKeys(o.OUs) {
		if u := o.OUs[id]; u.Parent == parent {
			out = append(out, u)
		}
	}
	return out
}

// depth is the number of OUs from the root down to and including id.
func (o *organization) depth(id string) int {
	n := 0
	for u := o.OUs[id]; u != nil; u = o.OUs[u.Parent] {
		n++
	}
	return n
}

func checkOUName(name string) error {
	if name == "" || len(name) > 128 {
		return errInvalid("INVALID_INPUT", "The OU name must be between 1 and 128 characters long.")
	}
	return nil
}

// CreateOrganizationalUnit creates an OU in a root or OU; OUs nest at most
// five deep (Organizations User Guide, "Quotas and service limits").
// Its id is ou-ROOT-XXXXXXXX, ROOT being the root id's suffix.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, in *CreateOUIn) (*OUResult, error) {
	if err := checkOUName(in.Name); err != nil {
		return nil, err
	}
	var out OUOut
	err := s.store.changeOrg(caller(ctx), func(o *organization) error {
		if !o.isParent(in.ParentId) {
			return errParentNotFound()
		}
		for _, u := range o.ous(in.ParentId) {
			if u.Name == in.Name {
				return errDuplicateOU()
			}
		}
		if o.depth(in.ParentId) >= 5 {
			return errConstraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
		}
		u := &ouNode{ID: "ou-" + strings.TrimPrefix(o.Root.ID, "r-") + "-" + randString(8, lowerDigits), Name: in.Name, Parent: in.ParentId, Tags: in.Tags}
		o.OUs[u.ID] = u
		o.attachDefaults(u.ID)
		out = o.ouOut(u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &OUResult{OrganizationalUnit: out}, nil
}

// DescribeOrganizationalUnit describes an OU.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, in *OUIdIn) (*OUResult, error) {
	var out OUOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		u := o.OUs[in.OrganizationalUnitId]
		if u == nil {
			return errOUNotFound()
		}
		out = o.ouOut(u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &OUResult{OrganizationalUnit: out}, nil
}

// UpdateOrganizationalUnit renames an OU.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, in *UpdateOUIn) (*OUResult, error) {
	var out OUOut
	err := s.store.changeOrg(caller(ctx), func(o *organization) error {
		u := o.OUs[in.OrganizationalUnitId]
		if u == nil {
			return errOUNotFound()
		}
		if in.Name != "" {
			if err := checkOUName(in.Name); err != nil {
				return err
			}
			for _, v := range o.ous(u.Parent) {
				if v.Name == in.Name && v != u {
					return errDuplicateOU()
				}
			}
			u.Name = in.Name
		}
		out = o.ouOut(u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &OUResult{OrganizationalUnit: out}, nil
}

// DeleteOrganizationalUnit deletes an empty OU.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, in *OUIdIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		u := o.OUs[in.OrganizationalUnitId]
		if u == nil {
			return errOUNotFound()
		}
		if len(o.ous(u.ID)) > 0 || len(o.accounts(u.ID)) > 0 {
			return errOUNotEmpty()
		}
		delete(o.OUs, u.ID)
		delete(o.Attached, u.ID)
		return nil
	})
}

// ListOrganizationalUnitsForParent lists the OUs directly in a root or OU.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, in *ParentIdIn) (*ListOUsOut, error) {
	start, size, err := pageOf(in.PageIn)
	if err != nil {
		return nil, err
	}
	out := &ListOUsOut{OrganizationalUnits: []OUOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		if !o.isParent(in.ParentId) {
			return errParentNotFound()
		}
		page, next := paging.Page(o.ous(in.ParentId), start, size)
		for _, u := range page {
			out.OrganizationalUnits = append(out.OrganizationalUnits, o.ouOut(u))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
