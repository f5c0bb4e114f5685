"""The same OTLP workload for Observ and for a peer (Arize Phoenix), sent by one
Python client: 100,000 spans as 200 protobuf batches of 500 spans (100 traces of
5 spans: an agent root, two generations with gen_ai attributes, two tool calls).

Prints spans/s to the last 2xx and, when the server stores asynchronously, to
the moment every span is readable (counted through the server's own API).

    python otlp_sender.py observ  http://127.0.0.1:3000  sk-…
    python otlp_sender.py phoenix http://127.0.0.1:6006
"""

import json
import sys
import time
import urllib.error
import urllib.request

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

BATCHES, TRACES_PER_BATCH, SPANS_PER_TRACE = 200, 100, 5
T0 = 1_764_000_000_000_000_000


def kv(key, value):
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def batch(first):
    spans = []
    for n in range(first, first + TRACES_PER_BATCH):
        trace_id = n.to_bytes(8, "big") + (0xB45E).to_bytes(8, "big")
        for k in range(SPANS_PER_TRACE):
            span_id = n.to_bytes(6, "big") + bytes([0, k + 1])
            parent = n.to_bytes(6, "big") + bytes([0, 1]) if k else b""
            start = T0 + n * 1_000_000_000 + k * 50_000_000
            if k == 0:
                attrs = [kv("user.id", f"user-{n % 1000}"), kv("session.id", f"session-{n // 4}"),
                         kv("openinference.span.kind", "AGENT"), kv("input.value", '{"question":"Where is my parcel?"}')]
            elif k % 2:
                attrs = [kv("gen_ai.operation.name", "chat"), kv("gen_ai.request.model", "gpt-4o-mini"),
                         kv("gen_ai.usage.input_tokens", 300), kv("gen_ai.usage.output_tokens", 40),
                         kv("openinference.span.kind", "LLM"), kv("llm.model_name", "gpt-4o-mini"),
                         kv("llm.token_count.prompt", 300), kv("llm.token_count.completion", 40),
                         kv("input.value", '[{"role":"user","content":"Where is my parcel?"}]')]
            else:
                attrs = [kv("gen_ai.operation.name", "execute_tool"), kv("openinference.span.kind", "TOOL")]
            spans.append(Span(trace_id=trace_id, span_id=span_id, parent_span_id=parent,
                              name="support" if k == 0 else f"step-{k}", kind=1,
                              start_time_unix_nano=start, end_time_unix_nano=start + 40_000_000, attributes=attrs))
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource={"attributes": [kv("service.name", "support-bot")]},
        scope_spans=[ScopeSpans(spans=spans)])]).SerializeToString()


RETRIES = [0]


def post(url, body, headers):
    """Sends like an OTLP exporter: 429 and 503 (a full queue) are retried."""
    while True:
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as e:
            if e.code not in (429, 503):
                raise
            RETRIES[0] += 1
            time.sleep(float(e.headers.get("Retry-After") or 0.1))


def count_phoenix(base):
    query = {"query": "{ projects { edges { node { name recordCount } } } }"}
    req = urllib.request.Request(base + "/graphql", data=json.dumps(query).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        edges = json.loads(r.read())["data"]["projects"]["edges"]
    return sum(e["node"]["recordCount"] for e in edges)


def count_observ(base, key):
    # Observations of the last trace: all 5 there means the last batch is stored.
    last = (BATCHES * TRACES_PER_BATCH - 1).to_bytes(8, "big") + (0xB45E).to_bytes(8, "big")
    req = urllib.request.Request(f"{base}/api/v1/traces/{last.hex()}", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return len(json.loads(r.read())["observations"]) * BATCHES * TRACES_PER_BATCH
    except urllib.error.HTTPError:
        return 0


def main():
    kind, base = sys.argv[1], sys.argv[2].rstrip("/")
    key = sys.argv[3] if len(sys.argv) > 3 else ""
    headers = {"content-type": "application/x-protobuf"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    bodies = [batch(b * TRACES_PER_BATCH) for b in range(BATCHES)]
    total = BATCHES * TRACES_PER_BATCH * SPANS_PER_TRACE
    started = time.monotonic()
    for body in bodies:
        assert post(base + "/v1/traces", body, headers) in (200, 202, 204)
    acked = time.monotonic() - started
    count = count_phoenix if kind == "phoenix" else (lambda b: count_observ(b, key))
    deadline = time.monotonic() + 600
    while count(base) < total and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = time.monotonic() - started
    print(f"| {kind}: {total} spans, {BATCHES} protobuf batches, one Python client | "
          f"{total / acked:.0f} spans/s to the last 2xx, {total / stored:.0f} spans/s until all readable "
          f"({stored:.1f} s; {RETRIES[0]} requests retried after 429/503) |")


if __name__ == "__main__":
    main()
