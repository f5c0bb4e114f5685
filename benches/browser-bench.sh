# Sourced by the browser benchmarks (compare.sh, dashboard.sh, first_load.sh):
# a server of the given build profile on a free loopback port and a fresh
# SQLite file, with an admin the bench signs in as, stopped (and its files
# removed) when the script exits.
#
#   bench_prepare            sets $observ (the binary), $port, $tmp and the
#                            admin and database in the environment, so a script
#                            can run `$observ` commands first (e.g. make a key)
#   bench_serve              starts the server and waits until it answers
#   bench_run SCRIPT.mjs     runs end2end/bench/SCRIPT.mjs against it
bench_prepare() {
    observ="${CARGO_TARGET_DIR:-target}/$1/observ"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    tmp=$(mktemp -d)
    export OBSERV_ADMIN_EMAIL="bench@example.com"
    OBSERV_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
    export OBSERV_ADMIN_PASSWORD OBSERV_DATABASE_URL="sqlite://$tmp/observ.db"
    trap 'rm -rf "$tmp"' EXIT
}

bench_serve() {
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}" LEPTOS_OUTPUT_NAME=observ \
        "$observ" > "$tmp/server.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/login" > /dev/null 2>&1 && return
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "bench: the server exited" >&2; exit 1; }
        sleep 0.2
    done
    echo "bench: the server did not answer on port $port" >&2
    exit 1
}

bench_run() {
    (cd end2end && OBSERV_BASE_URL="http://127.0.0.1:$port" node "bench/$1")
}
