#!/usr/bin/env bash
# Dashboard benchmark: builds the release app (OBSERV_BENCH_PROFILE=debug: the
# debug build as it is), starts it on a fresh SQLite file with an admin, and
# runs end2end/bench/dashboard.mjs in headless Chromium (see there): event →
# repaint latency, p50/p95.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${OBSERV_BENCH_PROFILE:-release}"
[ "$profile" = release ] && cargo leptos build --release --split
target_dir="${CARGO_TARGET_DIR:-target}"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
export OBSERV_ADMIN_EMAIL="bench@example.com" OBSERV_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
OBSERV_DATABASE_URL="sqlite://$tmp/observ.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}" LEPTOS_OUTPUT_NAME=observ \
  "$target_dir/$profile/observ" > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/login" > /dev/null 2>&1 && break
  sleep 0.2
done
cd end2end && OBSERV_BASE_URL="http://127.0.0.1:$port" node bench/dashboard.mjs
