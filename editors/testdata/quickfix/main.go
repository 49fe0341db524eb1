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
	panic(http.ListenAndServe(":8080", nil))
}
