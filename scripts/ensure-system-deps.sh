#!/bin/sh
# Installs the Debian packages the slow end-to-end tests drive for real, when they are missing.
# Idempotent and quiet: prints nothing when everything is there. Installs only as root (CI, containers);
# otherwise it names what is missing and leaves the machine alone, and the tests that need it fail saying so.
set -eu

missing=""

# test/nginx.test.ts: real nginx in front of the server. Debian 12's `nginx` has every module the shipped
# deploy/nginx/scanpush.conf uses (ssl, proxy, map, limit_req); nginx-light is only a transitional name for it.
[ -x /usr/sbin/nginx ] || missing="$missing nginx"

# test/console.test.ts: Debian's Chromium, driven by playwright-core (never a downloaded browser), and a CJK
# font so the console's Chinese text renders in its screenshots.
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -d /usr/share/fonts/opentype/noto ] || missing="$missing fonts-noto-cjk"

[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-system-deps: missing Debian packages:$missing (run this script as root to install them)" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Another install may hold dpkg's lock (parallel CI steps): wait for it rather than fail. apt's chatter
# (debconf notes included) is shown only when the install fails.
# On a machine with systemd the package also starts its own nginx on port 80; the tests never use it,
# they start nginx themselves with a private prefix and ports.
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! { apt-get -qq -o DPkg::Lock::Timeout=300 update &&
  apt-get -qq -y -o DPkg::Lock::Timeout=300 install --no-install-recommends $missing; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-system-deps: could not install:$missing" >&2
  exit 1
fi
