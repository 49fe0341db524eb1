package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Runtime proofs for the findings in this gateway: each test fails under
// -race on the code as written and passes once `httpvet check --fix` ran.

func hammer(n int, serve func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			serve(i)
		}(i)
	}
	wg.Wait()
}

func TestFingerprintsConcurrently(t *testing.T) {
	hammer(8, func(int) {
		fingerprint(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/fingerprint", nil))
	})
}

func TestForwardAndStatusConcurrently(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer up.Close()
	routes["/up"] = up.URL
	routes["/down"] = "http://127.0.0.1:1/"
	hammer(8, func(i int) {
		path := "/up"
		if i%2 == 1 {
			path = "/down"
		}
		forward(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, strings.NewReader("x")))
		status(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/status", nil))
	})
}
