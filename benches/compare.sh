#!/usr/bin/env bash
# Compare-page benchmark: builds the release app, starts it on a fresh SQLite
# file, and runs end2end/bench/compare.mjs in headless Chromium (see there).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build --release --split
target_dir="${CARGO_TARGET_DIR:-target}"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
# An admin to sign the browser in, and an admin key for the API calls that set the data up.
export OBSERV_ADMIN_EMAIL="bench@example.com" OBSERV_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
export OBSERV_DATABASE_URL="sqlite://$tmp/observ.db"
OBSERV_API_KEY=$("$target_dir/release/observ" keys create --name bench --role admin | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret_key"])')
export OBSERV_API_KEY
LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}" LEPTOS_OUTPUT_NAME=observ \
  "$target_dir/release/observ" > "$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/login" > /dev/null 2>&1 && break
  sleep 0.2
done
cd end2end && OBSERV_BASE_URL="http://127.0.0.1:$port" node bench/compare.mjs
