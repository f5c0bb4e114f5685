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
. benches/browser-bench.sh
[ -n "${OBSERV_BENCH_NO_BUILD:-}" ] || scripts/build-release --precompress
bench_prepare "${OBSERV_BENCH_PROFILE:-release}"
bench_serve
bench_run first_load.mjs
