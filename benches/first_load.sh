#!/usr/bin/env bash
# First-load benchmark: builds the release app, starts it on a fresh SQLite file
# with an admin, and runs end2end/bench/first_load.mjs in headless Chromium (see
# there): per page, the gzip JS + WASM fetched before hydration and the time to
# hydrated. The build is `make release`'s, precompressed as it ships.
#   OBSERV_BENCH_PROFILE=debug   serve with the debug server binary (the WASM
#                                 bundle is whatever the site root holds)
#   OBSERV_BENCH_NO_BUILD=1      measure the site root as it is, build nothing
#   LEPTOS_SITE_ROOT=dir         the site to serve (default target/site)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${OBSERV_BENCH_PROFILE:-release}"
[ -n "${OBSERV_BENCH_NO_BUILD:-}" ] || cargo leptos build --release --split --precompress
target_dir="${CARGO_TARGET_DIR:-target}"
site_root="${LEPTOS_SITE_ROOT:-target/site}"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
export OBSERV_ADMIN_EMAIL="bench@example.com" OBSERV_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
OBSERV_DATABASE_URL="sqlite://$tmp/observ.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$site_root" LEPTOS_OUTPUT_NAME=observ \
  "$target_dir/$profile/observ" > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/login" > /dev/null 2>&1 && break
  sleep 0.2
done
cd end2end && OBSERV_BASE_URL="http://127.0.0.1:$port" node bench/first_load.mjs
