#!/usr/bin/env bash
# Dashboard benchmark: builds the release app (OBSERV_BENCH_PROFILE=debug: the
# debug build as it is), starts it on a fresh SQLite file with an admin, and
# runs end2end/bench/dashboard.mjs in headless Chromium (see there): event →
# repaint latency, p50/p95.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/browser-bench.sh
profile="${OBSERV_BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then scripts/build-release; fi
bench_prepare "$profile"
bench_serve
bench_run dashboard.mjs
