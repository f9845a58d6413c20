#!/usr/bin/env bash
# Installs a pinned Go command with `go install` into the user's cache and prints its path:
#   install-go-tool.sh NAME MODULE VERSION-FILE
# e.g. opa (policies/OPA_VERSION) and gator (policies/GATOR_VERSION). Only developers and the
# tests need them: nothing secure-run runs for its users does.
set -euo pipefail
name=$1 module=$2
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' < "$root/$3")
dir="${XDG_CACHE_HOME:-$HOME/.cache}/secure-run/tools/$name-$version"
# Both print their version on a line of its own: "Version: 1.22.3" (opa), "gator version v3.18.2".
if [ -x "$dir/$name" ] && "$dir/$name" version 2>/dev/null | grep -qE "(^| |v)${version#v}\$"; then
  echo "$dir/$name"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-$name: go is needed to install $name $version (https://go.dev/dl/, 1.24 or newer)" >&2
  exit 1
fi
echo "install-$name: building $name $version with go install (a few minutes, once)" >&2
mkdir -p "$dir"
GOBIN="$dir" GOFLAGS=-mod=mod go install "$module@$version" >&2
echo "$dir/$name"
