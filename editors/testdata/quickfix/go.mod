module example.com/quickfix

go 1.22
