"""(a) The plain OpenTelemetry SDK: OTLP/HTTP protobuf to `POST /v1/traces` with
`Authorization: Bearer <secret>`, GenAI semantic-convention attributes, an
error status; checked through `/api/v1/traces`."""

import json

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from conftest import OBSERV_URL, RUN, SECRET_KEY, approx, as_json, by_name, prices, usage_tokens, wait_for_trace

# model -> (input tokens, output tokens); both models are priced in tests/clients/observ.toml.
CHATS = {"client-test-chat-a": (10, 5), "client-test-chat-b": (11, 6)}


def messages(role, text):
    return [{"role": role, "parts": [{"type": "text", "content": text}]}]


def test_otel_genai_trace_lands_with_tree_usage_cost_and_error(api):
    provider = TracerProvider(
        resource=Resource.create({"service.name": "observ-client-tests", "deployment.environment": "client-tests"})
    )
    exporter = OTLPSpanExporter(endpoint=f"{OBSERV_URL}/v1/traces", headers={"Authorization": f"Bearer {SECRET_KEY}"})
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("observ-client-tests", "1.0")

    user_id = f"otel-user-{RUN}"
    session_id = f"otel-session-{RUN}"
    root_name = f"otel-agent-{RUN}"
    span_ids = {}
    with tracer.start_as_current_span(root_name, attributes={"user.id": user_id, "session.id": session_id}) as root:
        span_ids[root_name] = root.get_span_context().span_id
        for model, (tokens_in, tokens_out) in CHATS.items():
            with tracer.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT) as span:
                span_ids[f"chat {model}"] = span.get_span_context().span_id
                span.set_attribute("gen_ai.operation.name", "chat")
                span.set_attribute("gen_ai.system", "openai")
                span.set_attribute("gen_ai.request.model", model)
                span.set_attribute("gen_ai.usage.input_tokens", tokens_in)
                span.set_attribute("gen_ai.usage.output_tokens", tokens_out)
                span.set_attribute("gen_ai.input.messages", json.dumps(messages("user", f"hello {model}")))
                span.set_attribute("gen_ai.output.messages", json.dumps(messages("assistant", f"hi from {model}")))
        with tracer.start_as_current_span("tool-call") as span:
            span_ids["tool-call"] = span.get_span_context().span_id
            span.set_status(Status(StatusCode.ERROR, "tool failed"))
    trace_id = format(root.get_span_context().trace_id, "032x")
    assert provider.force_flush(10_000), "the OTLP exporter did not flush"
    provider.shutdown()

    trace = wait_for_trace(
        api, trace_id, {"user_id": user_id},
        ready=lambda t: len(t.get("observations") or []) >= 4,
        what=f"OTel trace {trace_id} (user_id={user_id}) with its 4 observations",
    )

    # The same trace is found by its name too.
    assert any(row["trace_id"] == trace_id for row in api.get("/traces", name=root_name)["data"])

    assert trace["trace_id"] == trace_id
    assert trace["name"] == root_name
    assert trace["user_id"] == user_id
    assert trace["session_id"] == session_id
    assert trace["environment"] == "client-tests", "deployment.environment of the resource"

    obs = by_name(trace["observations"])
    assert set(obs) == {root_name, "tool-call", *(f"chat {m}" for m in CHATS)}
    hex_id = {name: format(i, "016x") for name, i in span_ids.items()}
    for name, o in obs.items():
        assert o["observation_id"] == hex_id[name], name
    assert obs[root_name]["parent_observation_id"] is None
    for name in obs.keys() - {root_name}:
        assert obs[name]["parent_observation_id"] == hex_id[root_name], f"{name} hangs under the root"

    price = prices()
    expected_cost = 0.0
    for model, (tokens_in, tokens_out) in CHATS.items():
        gen = obs[f"chat {model}"]
        assert gen["type"] == "generation", f"gen_ai.operation.name=chat makes {model}'s span a generation"
        assert gen["model"] == model
        assert usage_tokens(gen["usage"]) == (tokens_in, tokens_out)
        assert as_json(gen["input"]) == messages("user", f"hello {model}")
        assert as_json(gen["output"]) == messages("assistant", f"hi from {model}")
        cost = tokens_in * price[model][0] + tokens_out * price[model][1]
        assert approx(gen["cost_usd"], cost), f"{model}: priced from observ.toml, want {cost}, got {gen['cost_usd']}"
        expected_cost += cost

    assert obs[root_name]["type"] == "span"
    tool = obs["tool-call"]
    assert tool["level"] == "ERROR"
    assert tool["status_message"] == "tool failed"
    assert obs[root_name]["level"] != "ERROR"

    assert trace["total_tokens"] == sum(i + o for i, o in CHATS.values())
    assert approx(trace["total_cost"], expected_cost)
    assert approx(trace["total_cost"], sum(o["cost_usd"] for o in trace["observations"]))
    assert isinstance(trace["latency_ms"], int) and trace["latency_ms"] >= 0

    # Filters: session (external id) and environment find it, another user does not.
    assert any(r["trace_id"] == trace_id for r in api.get("/traces", session_id=session_id)["data"])
    assert any(r["trace_id"] == trace_id for r in api.get("/traces", environment="client-tests", user_id=user_id)["data"])
    assert not any(r["trace_id"] == trace_id for r in api.get("/traces", user_id=f"nobody-{RUN}")["data"])
