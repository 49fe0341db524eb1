// Command bookshop is a small HTTP server with one of each bug httpvet finds.
// Run `httpvet check examples/` to see them.
package main

import (
	"context"
	"log"
	"net/http"
	"time"
)

func main() {
	shop := newShop()
	mux := http.NewServeMux()
	mux.HandleFunc("/books", shop.listBooks)
	mux.HandleFunc("/books/reserve", shop.reserve)
	mux.HandleFunc("/orders", shop.placeOrder)
	mux.HandleFunc("/price", priceFromUpstream)
	mux.HandleFunc("/hits", countHit)
	mux.HandleFunc("/visitors", visitors)
	mux.HandleFunc("/events", streamEvents)
	mux.HandleFunc("/upload", uploadCover)
	mux.HandleFunc("/recommend", recommend)
	mux.HandleFunc("/tunnel", tunnel)
	mux.HandleFunc("/audit", audit)
	go func() {
		for range time.Tick(time.Minute) {
			shop.processPending()
		}
	}()

	srv := &http.Server{Addr: ":8080", Handler: mux}
	go srv.ListenAndServe()

	time.Sleep(10 * time.Minute)
	if err := srv.Shutdown(context.Background()); err != nil {
		log.Printf("shutdown: %v", err)
	}
}
