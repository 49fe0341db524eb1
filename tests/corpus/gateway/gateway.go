package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

func forward(w http.ResponseWriter, r *http.Request) {
	target, ok := routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	resp, err := http.Post(target, r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		failed[r.URL.Path]++
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	atomic.AddInt64(&served, 1)
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func remember(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	replay = append(replay, r)
	mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func login(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"user": {r.FormValue("user")}}
	resp, err := http.PostForm("http://127.0.0.1:9202/login", form)
	if err != nil {
		http.Error(w, "login failed", http.StatusBadGateway)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.WriteHeader(http.StatusUnauthorized)
	}
	w.WriteHeader(http.StatusOK)
}

func fingerprint(w http.ResponseWriter, r *http.Request) {
	digest.Write([]byte(r.URL.Path))
	journal.WriteString(r.URL.Path + "\n")
	fmt.Fprintln(w, hex.EncodeToString(digest.Sum(nil)))
}

func status(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "served %d, failures %d\n", served, len(failed))
}

func fetch(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:9203"+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}

func main() {
	http.HandleFunc("/", forward)
	http.HandleFunc("/remember", remember)
	http.HandleFunc("/login", login)
	http.HandleFunc("/fingerprint", fingerprint)
	http.HandleFunc("/status", status)
	log.Fatal(http.ListenAndServe(":8081", nil))
}
