#!/usr/bin/env bash
# One command from a fresh clone to a sandboxed app: set up, show the plan, run it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
echo '$ npx secure-run plan examples/hello.yaml'
npx --no-install secure-run plan examples/hello.yaml
echo
echo '$ npx secure-run run examples/hello.yaml'
exec npx --no-install secure-run run examples/hello.yaml
