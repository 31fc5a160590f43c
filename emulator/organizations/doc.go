// Package organizations is the emulated AWS Organizations (JSON 1.1,
// target prefix AWSOrganizationsV20161128): organizations with all
// features, accounts (CreateAccount completes at once and creates the
// OrganizationAccountAccessRole), roots and OUs, and service and resource
// control policies; and the view of each account's organization the
// emulator's authorizer reads to apply SCPs and RCPs and to set the
// aws:PrincipalOrgID family of condition keys.
//
// service.go holds Options, New, Close and the operation table; shapes.go
// the wire shapes; org.go the organization, its root and policy types;
// accounts.go the accounts; ous.go the organizational units; policies.go
// the policies and their attachments; view.go the authorizer's view;
// store.go the state, its locking and its file; errors.go the error codes.
package organizations
