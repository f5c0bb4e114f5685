"""(b) The Langfuse Python SDK's tracing: `auth_check()` against
`GET /api/public/projects`, and nested span > span > generation with usage,
cost and propagated trace attributes, exported as OTLP to
`/api/public/otel/v1/traces` (Basic auth, gzip); checked through `/api/v1/traces`."""

import pytest
from langfuse import Langfuse, propagate_attributes
from langfuse.api import UnauthorizedError

from conftest import OBSERV_URL, RUN, approx, as_json, by_name, usage_tokens, wait_for_trace

MODEL = "client-test-explicit"  # not in the price table: the cost is the one the SDK sends


def test_auth_check(langfuse):
    assert langfuse.auth_check() is True


def test_auth_check_refuses_a_wrong_key():
    """401 with a JSON body: the SDK raises its typed UnauthorizedError (an HTML or empty body would not parse)."""
    client = Langfuse(public_key=f"pk-wrong-{RUN}", secret_key="sk-wrong", host=OBSERV_URL, tracing_enabled=False)
    with pytest.raises(UnauthorizedError):
        client.auth_check()


def test_nested_generation_with_propagated_attributes(langfuse, api):
    user_id = f"lf-user-{RUN}"
    session_id = f"lf-session-{RUN}"
    root_name = f"lf-request-{RUN}"
    tags = ["client-tests", f"run-{RUN}"]
    question = {"question": "What is 2+2?"}
    messages = [{"role": "user", "content": "What is 2+2?"}]

    with langfuse.start_as_current_observation(as_type="span", name=root_name, input=question) as root:
        with propagate_attributes(
            user_id=user_id, session_id=session_id, tags=tags, metadata={"suite": "clients", "attempt": 2}
        ):
            with langfuse.start_as_current_observation(as_type="span", name="retrieve", input={"k": 3}) as retrieve:
                retrieve.update(output={"docs": ["2+2=4"]})
                with langfuse.start_as_current_observation(
                    as_type="generation", name="answer", model=MODEL, input=messages,
                    model_parameters={"temperature": 0},
                ) as generation:
                    generation.update(
                        output={"role": "assistant", "content": "4"},
                        usage_details={"input": 12, "output": 3},
                        cost_details={"input": 0.0012, "output": 0.0006},
                    )
        root.update(output={"answer": "4"})
    trace_id, root_id, retrieve_id, generation_id = root.trace_id, root.id, retrieve.id, generation.id
    langfuse.flush()

    trace = wait_for_trace(
        api, trace_id, {"user_id": user_id},
        ready=lambda t: len(t.get("observations") or []) >= 3,
        what=f"Langfuse trace {trace_id} (user_id={user_id}) with 3 observations",
    )

    assert trace["trace_id"] == trace_id
    assert trace["name"] == root_name, "no trace_name propagated: the root span's name"
    assert trace["user_id"] == user_id
    assert trace["session_id"] == session_id
    assert set(trace["tags"]) == set(tags)
    metadata = as_json(trace["metadata"])
    assert metadata.get("suite") == "clients", "metadata values arrive JSON-encoded and are decoded"
    assert metadata.get("attempt") == 2
    assert as_json(trace["input"]) == question, "the trace input is the root observation's"
    assert as_json(trace["output"]) == {"answer": "4"}
    assert trace["environment"] == "client-tests"
    assert trace["release"] == f"client-tests-{RUN}"
    assert trace["total_tokens"] == 15
    assert approx(trace["total_cost"], 0.0018)
    assert isinstance(trace["latency_ms"], int) and trace["latency_ms"] >= 0

    obs = by_name(trace["observations"])
    assert set(obs) == {root_name, "retrieve", "answer"}
    assert obs[root_name]["observation_id"] == root_id
    assert obs[root_name]["parent_observation_id"] is None
    assert obs[root_name]["type"] == "span"
    assert obs["retrieve"]["observation_id"] == retrieve_id
    assert obs["retrieve"]["parent_observation_id"] == root_id
    assert obs["retrieve"]["type"] == "span"
    assert as_json(obs["retrieve"]["output"]) == {"docs": ["2+2=4"]}

    gen = obs["answer"]
    assert gen["observation_id"] == generation_id
    assert gen["parent_observation_id"] == retrieve_id
    assert gen["type"] == "generation"
    assert gen["model"] == MODEL
    assert usage_tokens(gen["usage"]) == (12, 3)
    assert approx(gen["cost_usd"], 0.0018), "cost_details without a total: input + output"
    assert as_json(gen["input"]) == messages
    assert as_json(gen["output"]) == {"role": "assistant", "content": "4"}
    for o in trace["observations"]:
        assert o["level"] in (None, "DEFAULT"), o

    # The session is the external id the SDK sent; filtering by it, by tag and by environment finds the trace.
    for filters in ({"session_id": session_id}, {"tags": f"run-{RUN}"}, {"environment": "client-tests", "user_id": user_id}):
        rows = api.get("/traces", **filters)["data"]
        assert any(r["trace_id"] == trace_id for r in rows), f"not listed under {filters}"


def test_error_level_and_status_message(langfuse, api):
    user_id = f"lf-error-user-{RUN}"
    with langfuse.start_as_current_observation(as_type="span", name=f"lf-error-{RUN}") as root:
        with propagate_attributes(user_id=user_id):
            with langfuse.start_as_current_observation(as_type="tool", name="flaky-tool") as tool:
                tool.update(level="ERROR", status_message="tool exploded")
            with langfuse.start_as_current_observation(as_type="span", name="warned") as warned:
                warned.update(level="WARNING", status_message="slow")
    langfuse.flush()

    trace = wait_for_trace(api, root.trace_id, {"user_id": user_id}, ready=lambda t: len(t.get("observations") or []) >= 3)
    obs = by_name(trace["observations"])
    assert obs["flaky-tool"]["observation_id"] == tool.id
    assert obs["flaky-tool"]["type"] == "tool"
    assert obs["flaky-tool"]["level"] == "ERROR"
    assert obs["flaky-tool"]["status_message"] == "tool exploded"
    assert obs["warned"]["observation_id"] == warned.id
    assert obs["warned"]["level"] == "WARNING"
    assert obs["warned"]["status_message"] == "slow"
