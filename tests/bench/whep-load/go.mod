module whepload

go 1.19
