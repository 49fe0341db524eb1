package main

import (
	"context"
	"io"
	"net/http"
)

// quote waits for a price, but gives up when the caller does: the sender
// is left blocked on its unbuffered channel (HV003, ignored by the test's
// settings).
func quote(ctx context.Context, sku string) (string, error) {
	price := make(chan string)
	go func() { price <- lookupPrice(sku) }()
	select {
	case p := <-price:
		return p, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func lookupPrice(sku string) string { return sku + ": 10 EUR" }

// stock asks a backend without the request's context (HV002, shown).
func stock(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://inventory.internal/stock")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

func main() {
	http.HandleFunc("/stock", stock)
	panic(http.ListenAndServe(":8080", nil))
}
