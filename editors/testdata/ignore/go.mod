module example.com/ignore

go 1.22
