package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/items", s.handleList)
	mux.HandleFunc("/item", s.handleItem)
	mux.HandleFunc("/restock", s.handleRestock)
	mux.HandleFunc("/price", s.handlePrice)
	mux.HandleFunc("/export", s.handleExport)
	mux.HandleFunc("/stats", s.handleStats)
	mux.HandleFunc("/search", s.handleSearch)
	mux.HandleFunc("/tail", s.handleTail)
	return mux
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	atomic.AddUint64(&s.requests, 1)
	s.mu.RLock()
	defer s.mu.RUnlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.names)
}

func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	s.views[sku]++
	s.mu.RLock()
	item, ok := s.items[sku]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(item)
}

func (s *Server) handleRestock(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusAccepted)
	go func() {
		var it Item
		if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
			log.Printf("restock: %v", err)
			return
		}
		s.mu.Lock()
		s.items[it.SKU] = it
		s.mu.Unlock()
	}()
}

func (s *Server) handlePrice(w http.ResponseWriter, r *http.Request) {
	resp, err := s.client.Get(s.upstream + "/price?sku=" + r.URL.Query().Get("sku"))
	if err != nil {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(http.StatusOK)
	io.Copy(w, resp.Body)
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	go func() {
		s.mu.RLock()
		n := len(s.items)
		s.mu.RUnlock()
		fmt.Fprintf(w, "exported %d items\n", n)
	}()
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "requests: %d\n", s.requests)
	fmt.Fprintf(accessLog, "stats %s\n", r.RemoteAddr)
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	found := make(chan []string)
	go func() {
		found <- s.lookup(r.URL.Query().Get("q"))
	}()
	select {
	case names := <-found:
		json.NewEncoder(w).Encode(names)
	case <-time.After(2 * time.Second):
		http.Error(w, "search timed out", http.StatusGatewayTimeout)
	}
}

func (s *Server) lookup(q string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, name := range s.names {
		if name == q {
			out = append(out, name)
		}
	}
	return out
}

func (s *Server) handleTail(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	buf.WriteString("HTTP/1.1 200 OK\r\n\r\n")
	buf.Flush()
	go stream(conn)
}

func stream(c net.Conn) {
	for i := 0; i < 3; i++ {
		fmt.Fprintf(c, "tick %d\n", i)
		time.Sleep(time.Second)
	}
}
