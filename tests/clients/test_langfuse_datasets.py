"""(d) Datasets through the Langfuse SDK (`/api/public/v2/datasets`,
`/api/public/dataset-items`), and (e) `run_experiment` on such a dataset.

The SDK records an experiment only through its OTLP spans (attributes
`langfuse.experiment.*`) and scores (`POST /api/public/scores` with the item's
traceId + observationId); Observ turns those into a dataset run whose items link
to the traces, checked here through `/api/v1/datasets/{id}/runs` and
`/api/v1/runs/{id}/items`."""

import pytest
from langfuse import Evaluation
from langfuse.api import NotFoundError

from conftest import RUN, approx, as_json, poll

# (input, expected output, metadata); the third expectation is deliberately wrong,
# so the evaluator scores 1, 1, 0 and the task still succeeds on every item.
CASES = [
    ({"a": 0, "b": 0}, {"sum": 0}, {"idx": 0, "kind": "zero"}),
    ({"a": 1, "b": 1}, {"sum": 2}, {"idx": 1, "kind": "small"}),
    ({"a": 2, "b": 2}, {"sum": 5}, {"idx": 2, "kind": "wrong-expectation"}),
]
TASK_MODEL = "client-test-explicit"


@pytest.fixture(scope="module")
def qa_dataset(langfuse):
    """A dataset with a `/` in its name and 3 items, created through the SDK."""
    name = f"client-tests/{RUN}/qa"
    dataset = langfuse.create_dataset(name=name, description="made by the Langfuse SDK", metadata={"suite": "clients"})
    items = [
        langfuse.create_dataset_item(dataset_name=name, input=inp, expected_output=exp, metadata=meta)
        for inp, exp, meta in CASES
    ]
    return {"name": name, "dataset": dataset, "items": items}


def observ_dataset(api, name):
    rows = [d for d in api.list_all("/datasets", search=name) if d["name"] == name]
    assert len(rows) == 1, f"one Observ dataset named {name!r}, got {rows}"
    return rows[0]


def test_create_dataset_and_items(langfuse, api, qa_dataset):
    name, dataset, items = qa_dataset["name"], qa_dataset["dataset"], qa_dataset["items"]
    assert dataset.name == name
    assert dataset.description == "made by the Langfuse SDK"
    assert dataset.metadata == {"suite": "clients"}
    for item, (inp, exp, meta) in zip(items, CASES):
        assert item.dataset_name == name
        assert item.dataset_id == dataset.id
        assert item.status == "ACTIVE"
        assert (item.input, item.expected_output, item.metadata) == (inp, exp, meta)

    found = observ_dataset(api, name)
    assert str(found["id"]) == dataset.id, "the public API's dataset id is Observ's id, as a string"
    assert found["description"] == "made by the Langfuse SDK"
    assert as_json(found["metadata"]) == {"suite": "clients"}
    assert found["items_count"] == 3
    assert found["active_items_count"] == 3

    rows = api.list_all(f"/datasets/{found['id']}/items")
    assert len(rows) == 3
    got = sorted(((as_json(r["input"]), as_json(r["expected_output"]), as_json(r["metadata"])) for r in rows),
                 key=lambda c: c[2]["idx"])
    assert got == CASES
    assert all(r["status"] == "active" for r in rows)
    assert {str(r["id"]) for r in rows} == {i.id for i in items}, "the SDK got Observ's item ids back"

    # The dataset by name, with a `/` in it, and its items over two pages of 2.
    fetched = langfuse.get_dataset(name, fetch_items_page_size=2)
    assert fetched.id == dataset.id
    assert fetched.name == name
    assert len(fetched.items) == 3
    got = sorted(((i.input, i.expected_output, i.metadata) for i in fetched.items), key=lambda c: c[2]["idx"])
    assert got == CASES
    assert {i.id for i in fetched.items} == {i.id for i in items}


def test_get_dataset_of_an_unknown_name_fails(langfuse):
    """404 with a JSON body: the SDK raises its typed NotFoundError."""
    with pytest.raises(NotFoundError):
        langfuse.get_dataset(f"client-tests/{RUN}/no-such-dataset")


def test_run_experiment_becomes_an_observ_run(langfuse, api, qa_dataset):
    dataset = langfuse.get_dataset(qa_dataset["name"], fetch_items_page_size=2)
    run_name = f"client-exp-{RUN}"

    def task(*, item, **kwargs):
        with langfuse.start_as_current_observation(as_type="generation", name="add", model=TASK_MODEL,
                                                   input=item.input) as gen:
            answer = {"sum": item.input["a"] + item.input["b"]}
            gen.update(output=answer, usage_details={"input": 5, "output": 1}, cost_details={"input": 0.001, "output": 0.002})
        return answer

    def exact(*, input, output, expected_output=None, **kwargs):
        return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0, comment="output == expected")

    def mean_exact(*, item_results, **kwargs):
        values = [e.value for r in item_results for e in r.evaluations if e.name == "exact"]
        return Evaluation(name="mean_exact", value=sum(values) / len(values))

    result = dataset.run_experiment(
        name="client-exp", run_name=run_name, description="the client suite's experiment",
        task=task, evaluators=[exact], run_evaluators=[mean_exact], metadata={"model": TASK_MODEL},
    )
    assert len(result.item_results) == 3
    assert sorted(e.value for r in result.item_results for e in r.evaluations) == [0.0, 1.0, 1.0]
    sdk_traces = {r.trace_id for r in result.item_results}
    expected_by_item = {r.item.id: r.item.expected_output for r in result.item_results}
    langfuse.flush()

    found = observ_dataset(api, qa_dataset["name"])

    def run_done():
        runs = [r for r in api.get(f"/datasets/{found['id']}/runs")["data"] if r["name"] == run_name]
        if len(runs) != 1 or runs[0]["status"] != "completed" or runs[0]["completed_items"] != 3:
            return None
        items = api.list_all(f"/runs/{runs[0]['id']}/items")
        return {"run": runs[0], "items": items}

    def scored(state):
        return len(state["items"]) == 3 and all(
            any(s["name"] == "exact" for s in i.get("scores") or []) for i in state["items"]
        )

    state = poll(run_done, scored, f"run {run_name!r} of dataset {found['id']} completed with 3 scored items")
    run, items = state["run"], state["items"]

    assert run["total_items"] == 3
    assert run["completed_items"] == 3
    assert run["failed_items"] == 0
    assert run["dataset_id"] == found["id"]

    observ_items = {str(i["id"]): i for i in api.list_all(f"/datasets/{found['id']}/items")}
    assert {str(i["dataset_item_id"]) for i in items} == set(observ_items), "one run item per dataset item"
    for run_item in items:
        item_id = str(run_item["dataset_item_id"])
        assert run_item["status"] == "succeeded"
        assert run_item["trace_id"] is not None, "each run item links to its trace"
        assert as_json(run_item["output"]) == {"sum": 2 * as_json(observ_items[item_id]["input"])["a"]}
        assert as_json(run_item["expected_output"]) == expected_by_item[item_id]
        exact_scores = [s for s in run_item["scores"] if s["name"] == "exact"]
        assert len(exact_scores) == 1
        want = 1.0 if as_json(run_item["output"]) == expected_by_item[item_id] else 0.0
        assert approx(exact_scores[0]["value"], want), run_item
        assert exact_scores[0]["comment"] == "output == expected"

        trace = api.get(f"/traces/{run_item['trace_id']}")
        assert trace["trace_id"] in sdk_traces
        names = {o["name"]: o for o in trace["observations"]}
        assert {"experiment-item-run", "experiment-item-task", "add"} <= set(names)
        assert names["add"]["type"] == "generation"
        assert names["add"]["parent_observation_id"] == names["experiment-item-task"]["observation_id"]
        assert names["experiment-item-run"]["parent_observation_id"] is None
