"""Shared helpers for the real-client suite.

The suite drives the real Langfuse Python SDK and the OpenTelemetry SDK against
a running Observ, and checks what they sent only through Observ's own REST API
(`/api/v1/...`, Bearer secret key). `scripts/client-tests` starts the server and
sets:

    OBSERV_URL          http://127.0.0.1:PORT
    OBSERV_PUBLIC_KEY   pk-...
    OBSERV_SECRET_KEY   sk-...   (a `member` key)

Ingestion is asynchronous from the clients' point of view, so every check polls
the API until the expected state shows, with a bounded deadline
(OBSERV_CLIENT_TEST_DEADLINE seconds, default 20) and short sleeps between polls.
"""

import base64
import json
import math
import os
import pathlib
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"

OBSERV_URL = os.environ.get("OBSERV_URL", "").rstrip("/")
PUBLIC_KEY = os.environ.get("OBSERV_PUBLIC_KEY", "")
SECRET_KEY = os.environ.get("OBSERV_SECRET_KEY", "")
DEADLINE_S = float(os.environ.get("OBSERV_CLIENT_TEST_DEADLINE", "20"))
POLL_INTERVAL_S = 0.1

# One id per pytest session: names, users and sessions carry it, so a run never
# sees another run's data even on a reused database.
RUN = uuid.uuid4().hex[:10]


def pytest_configure(config):
    missing = [v for v in ("OBSERV_URL", "OBSERV_PUBLIC_KEY", "OBSERV_SECRET_KEY") if not os.environ.get(v)]
    if missing:
        raise pytest.UsageError(
            f"{', '.join(missing)} not set: run the suite with scripts/client-tests, "
            "or point these at a running Observ started with OBSERV_CONFIG=tests/clients/observ.toml"
        )


# ---------------------------------------------------------------- HTTP ----


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def http(method, path, body=None, headers=None, timeout=10):
    """One request to Observ; never raises on an HTTP status."""
    url = path if path.startswith("http") else OBSERV_URL + path
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


def bearer():
    return {"Authorization": f"Bearer {SECRET_KEY}"}


def basic(public_key=None, secret_key=None):
    token = base64.b64encode(f"{public_key or PUBLIC_KEY}:{secret_key or SECRET_KEY}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Api:
    """Observ's own REST API, `/api/v1`, with the Bearer secret key."""

    def get(self, path, **params):
        query = {k: v for k, v in params.items() if v is not None}
        url = "/api/v1" + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        r = http("GET", url, headers={**bearer(), "Accept": "application/json"})
        assert r.status == 200, f"GET {url} -> {r!r}"
        return r.json()

    def get_or_none(self, path, **params):
        """Like get, but None on 404 (a thing not ingested yet)."""
        query = {k: v for k, v in params.items() if v is not None}
        url = "/api/v1" + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        r = http("GET", url, headers={**bearer(), "Accept": "application/json"})
        if r.status == 404:
            return None
        assert r.status == 200, f"GET {url} -> {r!r}"
        return r.json()

    def list_all(self, path, **params):
        """Every row of a cursor-paginated list."""
        rows, cursor = [], None
        while True:
            page = self.get(path, **params, limit=500, cursor=cursor)
            rows.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return rows


@pytest.fixture(scope="session")
def api():
    return Api()


# ------------------------------------------------------------- polling ----


def poll(fetch, ready, what, timeout=None):
    """Calls fetch() until ready(value) holds, and returns that value.

    Waits on state: short sleeps between polls, bounded by a deadline; on
    timeout the assertion names what was awaited and shows the last value.
    """
    deadline = time.monotonic() + (timeout or DEADLINE_S)
    last = None
    while True:
        last = fetch()
        if last is not None and ready(last):
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout or DEADLINE_S:.0f}s waiting for {what}; last seen:\n"
                                 f"{json.dumps(last, indent=1, default=str)[:4000]}")
        time.sleep(POLL_INTERVAL_S)


def find_trace_summary(api, trace_id, **filters):
    """The list row of the trace with external id `trace_id` (32 hex), among the filtered traces."""
    for row in api.get("/traces", **filters, limit=500)["data"]:
        if row.get("trace_id") == trace_id:
            return row
    return None


def wait_for_trace(api, trace_id, filters, ready=lambda t: True, what=None):
    """Polls the list (with `filters`) until the trace shows, then its detail until ready(detail)."""
    state = {}

    def fetch():
        if "id" not in state:
            row = find_trace_summary(api, trace_id, **filters)
            if row is None:
                return None
            state["id"] = row["id"]
        return api.get_or_none(f"/traces/{state['id']}")

    return poll(fetch, ready, what or f"trace {trace_id} listed under {filters}")


# ------------------------------------------------------ value helpers ----


def as_json(value):
    """A JSON payload as stored: decoded if the server kept JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def usage_tokens(usage):
    """(input, output) tokens of an observation's `usage`, whichever key family the server keeps."""
    usage = as_json(usage) or {}

    def pick(*keys):
        for k in keys:
            if usage.get(k) is not None:
                return usage[k]
        return None

    return (
        pick("input_tokens", "input", "prompt_tokens", "promptTokens"),
        pick("output_tokens", "output", "completion_tokens", "completionTokens"),
    )


def approx(a, b, rel=1e-6, abs_=1e-9):
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def by_name(observations):
    out = {}
    for o in observations:
        assert o["name"] not in out, f"two observations named {o['name']!r}: {observations}"
        out[o["name"]] = o
    return out


def prices():
    """USD per token (input, output) per model, from the server config the script starts Observ with."""
    table = tomllib.loads((HERE / "observ.toml").read_text())["prices"]
    return {m: (p["input_per_million"] / 1e6, p["output_per_million"] / 1e6) for m, p in table.items()}


# -------------------------------------------------------------- clients ----


@pytest.fixture(scope="session")
def langfuse():
    """One Langfuse client for the session (the SDK shares its exporter per public key anyway)."""
    from langfuse import Langfuse

    client = Langfuse(
        public_key=PUBLIC_KEY,
        secret_key=SECRET_KEY,
        host=OBSERV_URL,
        environment="client-tests",
        release=f"client-tests-{RUN}",
    )
    yield client
    client.shutdown()
