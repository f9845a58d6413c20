#!/usr/bin/env bash
# Installs what secure-run needs on Debian 12 (as root) and builds it: the Debian packages that
# are missing, the npm dependencies, the TypeScript and the native layer. Safe to run again.
#   scripts/setup.sh          for running secure-run
#   scripts/setup.sh --test   also what the test suite needs: opa, gator (Gatekeeper's test runner:
#                             the gatekeeper export is verified with it), and the real apps the tests run
#                             (nginx-light, redis-server, busybox, curl), chromium for the audit
#                             page, runc, crun and systemd for the exports; no service is started
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "secure-run runs on Linux only"
command -v node >/dev/null || die "Node.js 20.17 or newer is needed (node not found)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=17)?0:1)' \
  || die "Node.js 20.17 or newer is needed (found $(node --version))"

packages=(build-essential python3 pkg-config libseccomp-dev)
# The test suite runs real programs from Debian: the example apps and the tools tests drive.
# chromium renders the audit's HTML page; runc, crun and systemd (systemd-analyze) consume exports.
# bubblewrap and firejail are what the launch benchmark compares with. clang and its sanitizer
# runtimes (libFuzzer, ASan, UBSan) build the bundle parser's fuzz target (make -C native/tests fuzz).
# golang-github-containers-common ships Podman's default seccomp profile
# (/usr/share/containers/seccomp.json): the real-world profile the import and audit tests read.
# uidmap (newuidmap, newgidmap): the rootless tests map a full subordinate range, as Podman does.
# The corpus and interpreter tests (test/apps/corpus.test.ts, test/integration/interpreters.test.ts)
# run everyday commands and the runtimes whose command the plan recognises: git, sqlite3, jq, gawk,
# xz-utils, perl and ruby (small). Java (a JRE is ~200 MB) is not installed here: its test runs
# where one is, and says why it is skipped elsewhere.
# Private networks (test/integration/network.test.ts): the CNI plugins (root), pasta (rootless)
# and nftables (the egress rules in the app's namespace).
# Images (test/images): zstd compresses the zstd layers; debootstrap builds the Debian image
# (test/images/debian.test.ts: a minbase tree with redis-server, cached after its first build).
test_packages=(nginx-light redis-server busybox curl bsdutils chromium runc crun systemd bubblewrap firejail
  clang libclang-rt-14-dev golang-github-containers-common uidmap
  git sqlite3 jq gawk xz-utils perl ruby
  containernetworking-plugins passt nftables
  zstd debootstrap)
[ "${1:-}" = "--test" ] && packages+=("${test_packages[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Services these packages bring (nginx, redis) are not started: the tests run them sandboxed.
  no_start=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    no_start=1
  fi
  trap 'if [ -n "$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi
  no_start=""
fi

# A rootless pasta opens /dev/net/tun: Debian's udev rule makes it 0666; a host without udev
# (a container, a microVM) may have it 0600, and the rootless network tests would fail.
if [ "${1:-}" = "--test" ] && [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] &&
  [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  say "chmod 0666 /dev/net/tun (as Debian's udev rule has it)"
  chmod 0666 /dev/net/tun
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "building (TypeScript and the native layer)"
npm run --silent build >/dev/null

if [ "${1:-}" = "--test" ]; then
  say "installing opa for the policy tests"
  scripts/install-opa.sh >/dev/null
  say "installing gator for the gatekeeper export's tests"
  scripts/install-gator.sh >/dev/null
fi
say "ready: $(node dist/cli/main.cjs --version) ($(pwd))"
