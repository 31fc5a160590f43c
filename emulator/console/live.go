package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/xacct/xacct/emulator/internal/trail"
)

// The decision trail, live: the page lists the newest decisions the
// filter selects and follows new ones through server-sent events
// (GET /_xacct/events, "event: decision", one JSON trail record each, its
// Seq as the event id so a reconnecting browser resumes where it was).

type trailView struct {
	Filter   url.Values
	Records  []trail.Record // newest first
	Last     uint64
	Error    string
	Capacity int
	Query    string
}

// trailLimit is how many decisions the page shows before following.
const trailLimit = 200

func (c *Console) trailPage(w http.ResponseWriter, r *http.Request) {
	q := cleanQuery(r.URL.Query())
	v := trailView{Filter: q, Query: q.Encode()}
	if c.o.Trail == nil {
		c.render(w, "trail.html", "Decision trail", v)
		return
	}
	v.Capacity = c.o.Trail.Capacity()
	f, err := trail.ParseFilter(q, max(c.o.Trail.Capacity(), trail.DefaultCapacity))
	if err != nil {
		v.Error = err.Error()
		w.WriteHeader(http.StatusBadRequest)
		c.render(w, "trail.html", "Decision trail", v)
		return
	}
	v.Last = c.o.Trail.Last()
	f.Limit = trailLimit
	recs := c.o.Trail.Query(f)
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Seq <= v.Last {
			v.Records = append(v.Records, recs[i])
		}
	}
	c.render(w, "trail.html", "Decision trail", v)
}

// cleanQuery keeps the filter's non-empty parameters (a form sends empty
// ones).
func cleanQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"account", "principal", "decision", "function", "request_id"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// heartbeat is how often an idle stream sends a comment, so proxies and
// browsers keep it open.
const heartbeat = 15 * time.Second

func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if c.o.Trail == nil {
		http.Error(w, "the decision trail is off (xacct serve --decisions 0)", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	after, err := strconv.ParseUint(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = c.o.Trail.Last(), nil
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after, err = strconv.ParseUint(id, 10, 64)
	}
	if err != nil {
		http.Error(w, "after (or Last-Event-ID) is not a decision's sequence number", http.StatusBadRequest)
		return
	}
	f, err := trail.ParseFilter(cleanQuery(q), trail.DefaultCapacity)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(c.o.PollEvery)
	defer tick.Stop()
	idle := time.Now()
	var buf bytes.Buffer
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-tick.C:
		}
		recs, last := c.o.Trail.After(after, f)
		buf.Reset()
		for i := range recs {
			rec := recs[i]
			rec.AccessKeyID = "" // shown nowhere in the console
			b, _ := json.Marshal(rec)
			fmt.Fprintf(&buf, "id: %d\nevent: decision\ndata: %s\n\n", rec.Seq, b)
		}
		after = last
		if buf.Len() == 0 && time.Since(idle) < heartbeat {
			continue
		}
		if buf.Len() == 0 {
			buf.WriteString(": idle\n\n")
		}
		idle = time.Now()
		if _, err := w.Write(buf.Bytes()); err != nil || rc.Flush() != nil {
			return
		}
	}
}
