package main

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"sync"
)

var (
	routes  = map[string]string{"/users": "http://127.0.0.1:9201"}
	failed  = map[string]int{}
	replay  []*http.Request
	digest  = sha256.New()
	journal bytes.Buffer
	mu      sync.Mutex
	served  int64
)
