#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up (packages, npm, build, opa), then npm test,
# which ends with node's test runner summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec npm test --silent
