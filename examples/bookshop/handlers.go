package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// listBooks holds the shop's lock while it writes to a possibly slow client.
func (s *shop) listBooks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	json.NewEncoder(w).Encode(s.stock)
}

// reserve keeps the request for a batch job that runs after it returns.
func (s *shop) reserve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.pending = append(s.pending, r)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// processPending is the batch job: it reads orders from bodies the server
// closed when their handlers returned.
func (s *shop) processPending() {
	s.mu.Lock()
	batch := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, r := range batch {
		var order map[string]int
		if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
			continue
		}
		fmt.Println("order", order)
	}
}

// placeOrder confirms in the background, after the handler has returned.
func (s *shop) placeOrder(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	go func() {
		time.Sleep(100 * time.Millisecond)
		w.Write([]byte("order confirmed\n"))
	}()
	fmt.Fprintln(w, "order received")
}

// priceFromUpstream ignores the client's context.
func priceFromUpstream(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://127.0.0.1:9090/price")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

// countHit writes a shared map from concurrent handlers.
func countHit(w http.ResponseWriter, r *http.Request) {
	hits[r.URL.Path]++
	fmt.Fprintf(w, "hits: %d\n", hits[r.URL.Path])
}

// visitors mixes an atomic increment with a plain read.
func visitors(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&visitorNo, 1)
	fmt.Fprintf(w, "you are visitor #%d\n", visitorNo)
}

// streamEvents abandons its producer when the client goes away.
func streamEvents(w http.ResponseWriter, r *http.Request) {
	next := make(chan string)
	go func() {
		next <- lookupEvent()
	}()
	select {
	case ev := <-next:
		fmt.Fprintln(w, ev)
	case <-r.Context().Done():
		return
	}
}

// uploadCover reads the body after the handler may have returned.
func uploadCover(w http.ResponseWriter, r *http.Request) {
	go func() {
		data, _ := io.ReadAll(r.Body)
		storeCover(data)
	}()
	w.WriteHeader(http.StatusAccepted)
}

// recommend writes the status twice when the query is missing.
func recommend(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("book") == "" {
		http.Error(w, "missing book", http.StatusBadRequest)
	}
	w.WriteHeader(http.StatusOK)
	fmt.Fprintln(w, "try: The Go Programming Language")
}

// tunnel hijacks the connection and never closes it.
func tunnel(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	go echo(conn)
}

func echo(c net.Conn) {
	io.Copy(c, c)
}

// audit uses a shared bufio.Writer without a lock.
func audit(w http.ResponseWriter, r *http.Request) {
	auditLog.WriteString("audit: " + r.URL.Path + "\n")
	auditLog.Flush()
	w.Write([]byte("ok\n"))
}

func lookupEvent() string {
	time.Sleep(50 * time.Millisecond)
	return "new arrivals"
}

func storeCover(data []byte) {
	_ = len(data)
}
