package main

import (
	"bufio"
	"net/http"
	"os"
	"sync"
)

// Package-level state shared by every request.
var (
	hits      = map[string]int{}
	visitorNo int64
	auditLog  = bufio.NewWriter(os.Stdout)
)

type shop struct {
	mu      sync.Mutex
	stock   map[string]int
	covers  map[string][]byte
	pending []*http.Request
}

func newShop() *shop {
	return &shop{stock: map[string]int{"gopl": 3}, covers: map[string][]byte{}}
}
