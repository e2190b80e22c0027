#!/bin/sh
# build-whep-load.sh OUTPUT SOURCE_DIR WORK_DIR: builds the Go load client in
# GOPATH mode against Debian's packaged pion sources (/usr/share/gocode), so
# nothing is downloaded.  The source is copied under WORK_DIR/src/whepload;
# its go.mod only lets GOPATH mode resolve pion's /v3 import paths.
set -eu
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$2 work=$3
mkdir -p "$work/src/whepload" "$work/cache"
cp "$src"/*.go "$src"/go.mod "$work/src/whepload/"
cd "$work/src/whepload"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
  GOFLAGS= GOPROXY=off go build -o "$out" .
