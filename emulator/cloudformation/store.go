// This file holds the stacks' file, DataDir/cloudformation/stacks.json,
// rewritten whole after every stack change.

package cloudformation

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

type persisted struct {
	Stacks []*stack
}

func (s *Service) save() {
	if err := s.saveErr(); err != nil {
		s.log.Error("cloudformation: saving stacks", slog.Any("error", err))
	}
}

// saveErr writes every stack and returns what went wrong.
func (s *Service) saveErr() error {
	if s.path == "" {
		return nil
	}
	s.mu.Lock()
	p := persisted{}
	for _, st := range s.stacks {
		p.Stacks = append(p.Stacks, st)
	}
	sort.Slice(p.Stacks, func(i, j int) bool { return p.Stacks[i].Created.Before(p.Stacks[j].Created) })
	b, err := json.Marshal(p)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return fsutil.WriteFile(s.path, b)
}

func (s *Service) load() error {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	for _, st := range p.Stacks {
		if strings.HasSuffix(st.Status, "_IN_PROGRESS") {
			// The emulator stopped during the operation.
			st.Status = strings.TrimSuffix(st.Status, "_IN_PROGRESS") + "_FAILED"
			st.Reason = "The xacct emulator stopped while the operation was in progress."
		}
		s.stacks[st.ID] = st
	}
	return nil
}
