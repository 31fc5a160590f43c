package emulator

import "github.com/xacct/xacct/emulator/sns"

// OutboxMessage is one email SNS delivered: an email or email-json
// notification, or a subscription confirmation with its token.
type OutboxMessage = sns.OutboxMessage

// Outbox waits for the SNS deliveries in flight, then returns the emails in
// the outbox (DataDir/sns/outbox, or the emulator's temporary directory),
// oldest first. It is how programs embedding the emulator read the mail
// that email subscriptions would have received.
func (e *Emulator) Outbox() ([]OutboxMessage, error) {
	e.sns.Drain()
	return e.sns.ListOutbox()
}
