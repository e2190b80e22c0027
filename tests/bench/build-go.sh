#!/bin/sh
# build-go.sh OUTPUT SOURCE_DIR WORK_DIR: builds one of the benchmarks' Go
# programs (whep-load, pion-server) in GOPATH mode against Debian's packaged
# pion sources (/usr/share/gocode), so nothing is downloaded.  The source is
# copied under WORK_DIR/src/NAME (NAME: the source directory's name without
# dashes); its go.mod only lets GOPATH mode resolve pion's /v3 import paths.
set -eu
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$2 work=$3
pkg=$(basename "$src" | tr -d -)
mkdir -p "$work/src/$pkg" "$work/cache"
cp "$src"/*.go "$src"/go.mod "$work/src/$pkg/"
cd "$work/src/$pkg"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
  GOFLAGS= GOPROXY=off go build -o "$out" .
