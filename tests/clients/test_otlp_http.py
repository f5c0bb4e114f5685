"""OTLP/HTTP at the wire level, with bodies captured from the real exporters
(tests/clients/fixtures): credentials are required on both OTLP paths, and an
OTLP/JSON body sent gzip-compressed lands like the protobuf one."""

import gzip
import json
import secrets
import time

import pytest

from conftest import FIXTURES, RUN, as_json, basic, bearer, by_name, http, usage_tokens, wait_for_trace

OTLP_PATHS = ["/v1/traces", "/api/public/otel/v1/traces"]


def protobuf_body():
    return (FIXTURES / "otel_genai.pb").read_bytes()


@pytest.mark.parametrize("path", OTLP_PATHS)
def test_otlp_requires_credentials(path):
    headers = {"Content-Type": "application/x-protobuf"}
    assert http("POST", path, protobuf_body(), headers).status == 401
    wrong = {**headers, "Authorization": "Bearer sk-not-a-key"}
    assert http("POST", path, protobuf_body(), wrong).status == 401
    wrong_basic = {**headers, **basic("pk-not-a-key", "sk-not-a-key")}
    assert http("POST", path, protobuf_body(), wrong_basic).status == 401


def fresh_json_request(root_name):
    """The captured OTel GenAI export as OTLP/JSON, with new trace and span ids,
    fresh timestamps and a unique root name, so it is a new trace on every run."""
    body = json.loads((FIXTURES / "otel_genai.json").read_text())
    trace_id = secrets.token_hex(16)
    spans = [s for rs in body["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    new_ids = {s["spanId"]: secrets.token_hex(8) for s in spans}
    start = min(int(s["startTimeUnixNano"]) for s in spans)
    shift = time.time_ns() - 1_000_000_000 - start
    for s in spans:
        s["traceId"] = trace_id
        s["spanId"] = new_ids[s["spanId"]]
        if s.get("parentSpanId"):
            s["parentSpanId"] = new_ids[s["parentSpanId"]]
        s["startTimeUnixNano"] = str(int(s["startTimeUnixNano"]) + shift)
        s["endTimeUnixNano"] = str(int(s["endTimeUnixNano"]) + shift)
        if not s.get("parentSpanId"):
            s["name"] = root_name
    return trace_id, body


@pytest.mark.parametrize("path,auth", [("/v1/traces", "bearer"), ("/api/public/otel/v1/traces", "basic")])
def test_otlp_json_gzip_lands(api, path, auth):
    root_name = f"otlp-json-{auth}-{RUN}"
    trace_id, body = fresh_json_request(root_name)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", **(bearer() if auth == "bearer" else basic())}
    r = http("POST", path, gzip.compress(json.dumps(body).encode()), headers)
    assert 200 <= r.status < 300, r

    trace = wait_for_trace(
        api, trace_id, {"name": root_name},
        ready=lambda t: len(t.get("observations") or []) >= 4,
        what=f"OTLP/JSON trace {trace_id} named {root_name}",
    )
    assert trace["trace_id"] == trace_id
    assert trace["user_id"] == "otel-user"
    obs = by_name(trace["observations"])
    root = obs[root_name]
    assert root["parent_observation_id"] is None
    for name, model, tokens in [("chat gpt-4o-mini", "gpt-4o-mini", (10, 5)), ("chat claude-3-haiku", "claude-3-haiku", (11, 6))]:
        gen = obs[name]
        assert gen["type"] == "generation"
        assert gen["parent_observation_id"] == root["observation_id"]
        assert gen["model"] in (model, model + "-2024"), "gen_ai.request.model (or the response model)"
        assert usage_tokens(gen["usage"]) == tokens
        assert as_json(gen["input"])[0]["role"] == "user"
    assert obs["tool-call"]["level"] == "ERROR"
    assert obs["tool-call"]["status_message"] == "tool failed"
    assert trace["total_tokens"] == 32
