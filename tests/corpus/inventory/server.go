package main

import (
	"bufio"
	"net/http"
	"os"
	"sync"
	"time"
)

// Item is one product line.
type Item struct {
	SKU   string `json:"sku"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Server holds the inventory and its counters.
type Server struct {
	mu       sync.RWMutex
	items    map[string]Item
	names    []string
	views    map[string]int
	requests uint64
	client   *http.Client
	upstream string
}

var accessLog = bufio.NewWriter(os.Stderr)

// NewServer returns a server with an empty inventory.
func NewServer(upstream string) *Server {
	return &Server{
		items:    make(map[string]Item),
		views:    make(map[string]int),
		client:   &http.Client{Timeout: 5 * time.Second},
		upstream: upstream,
	}
}
