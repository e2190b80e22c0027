module pionserver

go 1.19
