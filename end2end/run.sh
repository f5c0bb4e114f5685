#!/usr/bin/env bash
# Runs the Playwright suite against the real server: a free loopback port, a
# fresh SQLite file in a temp dir, and the server stopped afterwards — also when
# a test fails. Expects `cargo leptos build --split` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
server="$target_dir/debug/observ"
site_root="${LEPTOS_SITE_ROOT:-target/site}"
[ -x "$server" ] || { echo "e2e: $server is missing; run cargo leptos build --split first" >&2; exit 1; }
[ -f "$site_root/pkg/observ.wasm" ] || { echo "e2e: $site_root/pkg has no WASM bundle" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
# The tests make their own admin (and, through it, viewers and keys): nothing to set up by hand.
export OBSERV_E2E_ADMIN_EMAIL="admin@e2e.example" OBSERV_E2E_ADMIN_PASSWORD="e2e-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
# The first-admin test starts servers of its own with this binary and site.
export OBSERV_SERVER_BIN="$(realpath "$server")" OBSERV_SITE_ROOT="$(realpath "$site_root")"
OBSERV_DATABASE_URL="sqlite://$tmp/observ.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  OBSERV_ADMIN_EMAIL="$OBSERV_E2E_ADMIN_EMAIL" OBSERV_ADMIN_PASSWORD="$OBSERV_E2E_ADMIN_PASSWORD" \
  LEPTOS_SITE_ROOT="$site_root" LEPTOS_OUTPUT_NAME=observ LEPTOS_ENV=DEV \
  "$server" > "$tmp/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/login" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$tmp/server.log" >&2; echo "e2e: server exited" >&2; exit 1; fi
  sleep 0.2
done

cd end2end
status=0
OBSERV_BASE_URL="http://127.0.0.1:$port" npx playwright test "$@" || status=$?
if [ "$status" -ne 0 ]; then echo "--- server log ---" >&2; tail -n 50 "$tmp/server.log" >&2; fi
exit "$status"
