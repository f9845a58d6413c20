#!/usr/bin/env bash
# Installs the pinned opa (policies/OPA_VERSION) with `go install` into the user's cache and
# prints its path. Only developers and the tests need opa: the built policy is in the repo.
exec "$(dirname "$0")/install-go-tool.sh" opa github.com/open-policy-agent/opa policies/OPA_VERSION
