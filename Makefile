# Observ — `make run` serves the app, `make test` runs every test (unit, HTTP on
# SQLite and PostgreSQL, the browser suite, and the real Langfuse/OpenTelemetry
# SDKs from PyPI against a running server, in a cached venv).
# Both first install whatever is missing (idempotent; quick when nothing is).

SHELL := /bin/bash
CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/"/, "", $$3); print $$3}' Cargo.lock)
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test deps build release bench bench-scale-out bench-first-load fmt lint clean

run: deps
	cargo leptos build --split
	@echo "Observ on http://$${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (database $${OBSERV_DATABASE_URL:-sqlite://data/observ.db}); the first visit creates the admin"
	LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=observ $${CARGO_TARGET_DIR:-target}/debug/observ

test: deps
	cargo test --features ssr
	scripts/with-postgres cargo test --features ssr --test http
	cargo leptos build --split
	end2end/run.sh
	scripts/client-tests
	scripts/with-postgres scripts/client-tests
	scripts/bundle-size
	LEPTOS_SITE_ROOT=$${OBSERV_BUNDLE_SITE:-target/site-release} end2end/run.sh tests/hydration.spec.ts

# A release build (scripts/build-release): optimised server and size-optimised
# WASM split into per-page chunks (needs wasm-opt and rustup's rust-src, installed
# there), each bundle file beside a .gz and a .br that the server sends to
# browsers that accept them.
release: deps
	scripts/build-release --precompress

bench: deps
	cargo bench --features ssr --bench datasets --bench runs --bench sse --bench import_export --bench resilience --bench ingest

# Per page: the JS + WASM a first visit downloads (gzip) and the time to hydrated.
bench-first-load: deps
	benches/first_load.sh

# The runs benchmark on PostgreSQL, and several instances on one PostgreSQL (durable settings).
bench-scale-out: deps
	OBSERV_PG_DURABLE=1 scripts/with-postgres cargo bench --features ssr --bench runs --bench scale_out

fmt:
	cargo fmt

lint: deps
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

deps:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" || cargo install cargo-leptos@$(CARGO_LEPTOS_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	@[ -x /usr/bin/chromium ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@[ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ] \
		|| (cd end2end && npm ci --no-audit --no-fund)

clean:
	cargo clean
