package main

import (
	"net/http"
	"time"
)

func lookup() string {
	time.Sleep(2 * time.Second)
	return "ok"
}

func handler(w http.ResponseWriter, r *http.Request) {
	result := make(chan string)
	go func() { result <- lookup() }()
	select {
	case s := <-result:
		w.Write([]byte(s))
	case <-r.Context().Done():
	}
}

func main() {
	http.HandleFunc("/", handler)
	http.ListenAndServe(":8080", nil)
}

func proxy(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://backend.internal/items")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}
