// Package sts is the emulated AWS Security Token Service: AssumeRole
// authorized by the caller's identity policies and the role's trust policy,
// GetSessionToken, GetCallerIdentity, and the temporary credentials it
// issues.
//
// service.go holds Options, New, Close and the operation table; shapes.go
// the wire shapes; assume.go AssumeRole and the service sessions Lambda and
// CloudFormation use; sessiontoken.go GetSessionToken; identity.go
// GetCallerIdentity and GetAccessKeyInfo; session.go a session;
// store.go the session store; errors.go the error codes.
package sts
