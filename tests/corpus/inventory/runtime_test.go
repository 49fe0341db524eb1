package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// Runtime proofs for the findings in this service: each test fails on the
// code as written (a data race under -race, a leaked goroutine, a hijacked
// connection nobody closes) and passes once `httpvet check --fix` ran.

func hammer(n int, serve func()) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve()
		}()
	}
	wg.Wait()
}

func TestItemViewsUnderLoad(t *testing.T) {
	s := NewServer("")
	s.items["a"] = Item{SKU: "a", Name: "apple", Count: 1}
	hammer(8, func() {
		s.handleItem(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/item?sku=a", nil))
	})
}

func TestStatsWhileListing(t *testing.T) {
	s := NewServer("")
	hammer(8, func() {
		s.handleList(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/items", nil))
		s.handleStats(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/stats", nil))
	})
}

// The body's buffer is reused once the handler returned, as the server
// reuses its connection buffers.
func TestRestockBodyAfterReturn(t *testing.T) {
	s := NewServer("")
	body := bytes.NewBufferString(`{"sku":"b","name":"bread","count":2}`)
	s.handleRestock(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/restock", body))
	body.Reset()
	time.Sleep(30 * time.Millisecond)
}

// The recorder is read once the handler returned, as the server flushes
// its response.
func TestExportWritesInTime(t *testing.T) {
	s := NewServer("")
	rec := httptest.NewRecorder()
	s.handleExport(rec, httptest.NewRequest(http.MethodGet, "/export", nil))
	_ = rec.Body.String()
	time.Sleep(30 * time.Millisecond)
}

// A search that times out must not leave its worker blocked forever.
func TestSearchTimeoutLeaksNothing(t *testing.T) {
	s := NewServer("")
	s.mu.Lock() // the lookup waits past the handler's deadline
	before := runtime.NumGoroutine()
	done := make(chan struct{})
	go func() {
		s.handleSearch(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/search?q=x", nil))
		close(done)
	}()
	<-done
	s.mu.Unlock()
	if n := leaked(before); n > 0 {
		t.Fatalf("%d goroutines leaked: blocked forever on an unbuffered send", n)
	}
}

// leaked: the goroutines Go's leak profile reports (GOEXPERIMENT=
// goroutineleakprofile on Go 1.26, the default from 1.27), else those still
// running beyond `before` after a second.
func leaked(before int) int {
	n := runtime.NumGoroutine()
	for end := time.Now().Add(time.Second); n > before && time.Now().Before(end); n = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if p := pprof.Lookup("goroutineleak"); p != nil {
		var b bytes.Buffer
		p.WriteTo(&b, 1)
		var total int
		fmt.Sscanf(b.String(), "goroutineleak profile: total %d", &total)
		return total
	}
	return n - before
}

// The client must see the tail stream end.
func TestTailClosesConn(t *testing.T) {
	s := NewServer("")
	srv := httptest.NewServer(s.routes())
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /tail HTTP/1.1\r\nHost: test\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(6 * time.Second))
	if _, err := io.Copy(io.Discard, conn); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("connection never closed: the hijacked conn leaked")
	}
}
