#!/usr/bin/env bash
# Installs the pinned opa (policies/OPA_VERSION) with `go install` into the user's cache and
# prints its path. Only developers and the tests need opa: the built policy is in the repo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' < "$root/policies/OPA_VERSION")
dir="${XDG_CACHE_HOME:-$HOME/.cache}/secure-run/tools/opa-$version"
if [ -x "$dir/opa" ] && "$dir/opa" version 2>/dev/null | grep -qx "Version: ${version#v}"; then
  echo "$dir/opa"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-opa: go is needed to install opa $version (https://go.dev/dl/, 1.24 or newer)" >&2
  exit 1
fi
echo "install-opa: building opa $version with go install (a minute or two, once)" >&2
mkdir -p "$dir"
GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@$version" >&2
echo "$dir/opa"
