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

# test/prometheus.test.ts: promtool checks and unit-tests deploy/prometheus/scanpush-alerts.yml. Debian's
# `prometheus` package ships it; the package's own server is not used (see the note in install_missing).
[ -x /usr/bin/promtool ] || missing="$missing prometheus"

install_missing() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-system-deps: missing Debian packages:$missing (run this script as root to install them)" >&2
    return 0
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
}

# PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, as the tests expect them: started when they are
# not answering (a fresh CI machine, or a service that stopped), then waited for, at most 60 s each. The
# tests fail, never skip, without them, so this fails with the reason when they cannot be had.
start_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if [ "$(id -u)" -ne 0 ]; then echo "ensure-system-deps: PostgreSQL is not answering on 127.0.0.1:5432 (run as root to start it)" >&2; exit 1; fi
    cluster=$(ls /etc/postgresql 2>/dev/null | head -n 1)
    [ -n "$cluster" ] || { echo "ensure-system-deps: no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; }
    # Trust on loopback, as the tests connect (user postgres, no password): only where no rule for it exists yet.
    hba=/etc/postgresql/$cluster/main/pg_hba.conf
    grep -q '^host *all *all *127.0.0.1/32 *trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start >/dev/null 2>&1 || true
  fi
  wait_for "PostgreSQL on 127.0.0.1:5432" pg_isready -q -h 127.0.0.1 -p 5432

  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 ||
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null 2>&1 || true
  fi
  wait_for "Redis on 127.0.0.1:6379" redis-cli -h 127.0.0.1 -p 6379 ping
}

wait_for() {
  what=$1
  shift
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 120 ]; then
      echo "ensure-system-deps: $what did not answer within 60 s" >&2
      exit 1
    fi
    sleep 0.5
  done
}

# The PostgreSQL engine's tests (unit contract, e2e-postgres, test/multi-node) and the Redis broker's.
[ -x /usr/bin/pg_ctlcluster ] || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"

if [ -n "$missing" ]; then
  install_missing
fi
start_services

