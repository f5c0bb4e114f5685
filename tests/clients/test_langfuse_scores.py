"""(c) Scores from the Langfuse SDK: `create_score`, `span.score()` and
`span.score_trace()` are batched by the SDK into `POST /api/public/scores`
(a JSON array); they show in the trace JSON's `scores`."""

from langfuse import propagate_attributes

from conftest import RUN, approx, wait_for_trace

EXPECTED = {"quality", "thumbs_up", "tone", "relevance", "verdict"}


def test_scores_on_trace_and_observation(langfuse, api):
    user_id = f"lf-scores-user-{RUN}"
    with langfuse.start_as_current_observation(as_type="span", name=f"lf-scored-{RUN}") as root:
        with propagate_attributes(user_id=user_id):
            with langfuse.start_as_current_observation(as_type="generation", name="gen", model="client-test-explicit") as gen:
                gen.update(output="4", usage_details={"input": 2, "output": 1})
            gen.score(name="relevance", value=0.25, comment="on the generation via span.score")
            root.score_trace(name="verdict", value="pass", data_type="CATEGORICAL")
    trace_id, gen_id = root.trace_id, gen.id

    langfuse.create_score(name="quality", value=0.87, trace_id=trace_id, comment="numeric on the trace")
    langfuse.create_score(name="thumbs_up", value=True, trace_id=trace_id, data_type="BOOLEAN")
    langfuse.create_score(name="tone", value="polite", trace_id=trace_id, observation_id=gen_id, data_type="CATEGORICAL")
    langfuse.flush()

    trace = wait_for_trace(
        api, trace_id, {"user_id": user_id},
        ready=lambda t: EXPECTED <= {s["name"] for s in t.get("scores") or []},
        what=f"trace {trace_id} with scores {sorted(EXPECTED)}",
    )
    scores = {s["name"]: s for s in trace["scores"]}
    assert len(trace["scores"]) == len(EXPECTED), trace["scores"]

    quality = scores["quality"]
    assert quality["data_type"] == "numeric"
    assert approx(quality["value"], 0.87)
    assert quality["comment"] == "numeric on the trace"
    assert quality.get("observation_id") is None

    thumbs = scores["thumbs_up"]
    assert thumbs["data_type"] == "boolean"
    assert approx(thumbs["value"], 1.0)
    assert thumbs.get("observation_id") is None

    tone = scores["tone"]
    assert tone["data_type"] == "categorical"
    assert tone["string_value"] == "polite"
    assert tone.get("observation_id") == gen_id

    relevance = scores["relevance"]
    assert relevance["data_type"] == "numeric"
    assert approx(relevance["value"], 0.25)
    assert relevance["comment"] == "on the generation via span.score"
    assert relevance.get("observation_id") == gen_id

    verdict = scores["verdict"]
    assert verdict["data_type"] == "categorical"
    assert verdict["string_value"] == "pass"
    assert verdict.get("observation_id") is None


def test_a_score_sent_again_with_its_id_replaces_the_value(langfuse, api):
    user_id = f"lf-rescore-user-{RUN}"
    with langfuse.start_as_current_observation(as_type="span", name=f"lf-rescored-{RUN}") as root:
        with propagate_attributes(user_id=user_id):
            pass
    score_id = f"client-tests-{RUN}-rescore"
    langfuse.create_score(name="accuracy", value=0.1, trace_id=root.trace_id, score_id=score_id)
    langfuse.flush()
    wait_for_trace(api, root.trace_id, {"user_id": user_id},
                   ready=lambda t: any(s["name"] == "accuracy" for s in t.get("scores") or []))

    langfuse.create_score(name="accuracy", value=0.9, trace_id=root.trace_id, score_id=score_id)
    langfuse.flush()
    trace = wait_for_trace(
        api, root.trace_id, {"user_id": user_id},
        ready=lambda t: any(s["name"] == "accuracy" and approx(s["value"], 0.9) for s in t.get("scores") or []),
        what="the re-sent score's new value",
    )
    assert [s["name"] for s in trace["scores"]] == ["accuracy"], "one score, updated in place"
