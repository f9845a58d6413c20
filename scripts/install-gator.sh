#!/usr/bin/env bash
# Installs the pinned gator (Gatekeeper's command-line test runner, policies/GATOR_VERSION) with
# `go install` into the user's cache and prints its path. Only the tests need it: they run
# `gator verify` on what `export --format gatekeeper` writes.
exec "$(dirname "$0")/install-go-tool.sh" gator github.com/open-policy-agent/gatekeeper/v3/cmd/gator policies/GATOR_VERSION
