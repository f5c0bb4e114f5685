#!/usr/bin/env bash
# Compare-page benchmark: builds the release app, starts it on a fresh SQLite
# file, and runs end2end/bench/compare.mjs in headless Chromium (see there).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/browser-bench.sh
scripts/build-release
bench_prepare release
# An admin key for the API calls that set the data up (the browser signs in as the admin).
OBSERV_API_KEY=$("$observ" keys create --name bench --role admin | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret_key"])')
export OBSERV_API_KEY
bench_serve
bench_run compare.mjs
