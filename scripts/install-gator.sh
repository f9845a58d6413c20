#!/usr/bin/env bash
# Installs the pinned gator (Gatekeeper's command-line test runner, policies/GATOR_VERSION) with
# `go install` into the user's cache and prints its path. Only the tests need it: they run
# `gator verify` on the ConstraintTemplates that `export --format gatekeeper` writes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' < "$root/policies/GATOR_VERSION")
dir="${XDG_CACHE_HOME:-$HOME/.cache}/secure-run/tools/gator-$version"
if [ -x "$dir/gator" ] && "$dir/gator" --version 2>/dev/null | grep -q "${version#v}"; then
  echo "$dir/gator"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-gator: go is needed to install gator $version (https://go.dev/dl/, 1.24 or newer)" >&2
  exit 1
fi
echo "install-gator: building gator $version with go install (a few minutes, once)" >&2
mkdir -p "$dir"
GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$version" >&2
echo "$dir/gator"
