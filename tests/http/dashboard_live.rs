//! `GET /api/v1/events` beyond one instance's own runs: runs executing on
//! another instance, traces committed out of order or growing after they were
//! told, and deleted runs leaving the dashboard as they stood.

use crate::dashboard::{dataset, server, start_named_run, Events};
use crate::runs::wait_finished;
use crate::server::read;
use serde_json::{json, Value};

#[tokio::test]
async fn the_event_stream_tells_runs_of_other_instances() {
    let s = server(0).await;
    let other = s.another_instance().await;
    let (_, d) = read(s.post("/api/v1/datasets", &json!({"name": "elsewhere", "agent_class": "echo"})).await).await;
    let d = d["id"].as_i64().unwrap();
    assert_eq!(
        s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"items": [{"input": 1}, {"input": 2}]})).await.status(),
        201
    );
    let mut events = Events::open(&s).await;
    assert_eq!(events.next().await.0, "hello");

    // Started, and run, by the other instance: this one hears of it through the database.
    let res = s
        .client
        .post(format!("{other}/api/v1/datasets/{d}/runs"))
        .json(&json!({"name": "there"}))
        .send()
        .await
        .unwrap();
    let (status, run) = read(res).await;
    assert_eq!(status, 201, "{run}");
    let mut names = Vec::new();
    let finished = loop {
        let (name, data) = events.next().await;
        if data["run"]["id"] == run["id"] {
            names.push(name.clone());
            if name == "run_finished" {
                break data;
            }
        }
    };
    assert_eq!(names.first().map(String::as_str), Some("run_started"), "{names:?}");
    assert_eq!(finished["run"]["completed_items"], 2);
}

/// On PostgreSQL, an ingestion that took a trace id can commit after one that
/// took a later id: the stream must still tell that trace once it is visible.
/// (On SQLite one writer commits traces in id order: nothing to test there.)
#[tokio::test]
async fn a_trace_committed_after_a_newer_one_is_still_told() {
    use observ::server::db::exec::query;
    let s = server(0).await;
    if s.db.dialect() != observ::server::db::Dialect::Postgres {
        return;
    }
    let mut events = Events::open(&s).await;
    assert_eq!(events.next().await.0, "hello");

    // An ingestion (another instance's, say) takes an id and holds its transaction open.
    let now = observ::model::stats::format_timestamp_ms(observ::model::stats::now_ms());
    let mut held = s.db.write_pool_for_tests().begin().await.unwrap();
    query(
        "INSERT INTO observ_traces (trace_id, name, start_time, end_time, created_at, updated_at, total_tokens, latency_ms) \
         VALUES (?, 'held', ?, ?, ?, ?, 77, 5)",
    )
    .bind("held-trace")
    .bind(now.as_str())
    .bind(now.as_str())
    .bind(now.as_str())
    .bind(now.as_str())
    .execute(&mut held)
    .await
    .unwrap();

    // A later one commits first, and is told.
    let start = (observ::model::stats::now_ms() as u64) * 1_000_000;
    let body = json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "app"}, "spans": [{
        "traceId": "1af7651916cd43dd8448eb211c80319c", "spanId": "c7ad6b7169203331", "name": "ask",
        "startTimeUnixNano": start.to_string(), "endTimeUnixNano": (start + 1_000_000).to_string(),
        "attributes": [{"key": "llm.token_count.prompt", "value": {"intValue": "11"}}]
    }]}]}]});
    assert_eq!(s.client.post(s.url("/v1/traces")).json(&body).send().await.unwrap().status(), 200);
    loop {
        let (name, data) = events.next().await;
        if name == "traces_ingested" && data["traces"]["tokens"] == 11 {
            assert_eq!(data["traces"]["count"], 1, "{data}");
            break;
        }
    }

    // The held one commits: it is told too, in an event of its own.
    held.commit().await.unwrap();
    s.db.touch();
    loop {
        let (name, data) = events.next().await;
        if name == "traces_ingested" && data["traces"]["count"] == 1 {
            assert_eq!(data["traces"]["tokens"], 77, "{data}");
            assert_eq!(data["traces"]["hours"][0]["latency_ms_total"], 5.0, "{data}");
            break;
        }
    }
}

/// Spans that arrive for a trace the stream already told (in a later request;
/// on PostgreSQL, at another instance) are told as the difference they make:
/// no new trace, the tokens and the model's usage they add.
#[tokio::test]
async fn spans_arriving_later_for_a_told_trace_are_told_as_the_difference() {
    let s = server(0).await;
    let late_url = if s.db.dialect() == observ::server::db::Dialect::Postgres {
        format!("{}/v1/traces", s.another_instance().await)
    } else {
        s.url("/v1/traces")
    };
    let mut events = Events::open(&s).await;
    assert_eq!(events.next().await.0, "hello");
    let start = (observ::model::stats::now_ms() as u64) * 1_000_000;
    let span = |trace_id: &str, span_id: &str, parent: Option<&str>, attributes: Value| {
        let mut span = json!({
            "traceId": trace_id, "spanId": span_id, "name": span_id, "attributes": attributes,
            "startTimeUnixNano": start.to_string(), "endTimeUnixNano": (start + 50_000_000).to_string()
        });
        if let Some(parent) = parent {
            span["parentSpanId"] = json!(parent);
        }
        json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "app"}, "spans": [span]}]}]})
    };
    let trace = "2af7651916cd43dd8448eb211c80319c";
    let llm = |model: &str, tokens: i64| {
        json!([
            {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
            {"key": "llm.model_name", "value": {"stringValue": model}},
            {"key": "llm.token_count.prompt", "value": {"intValue": tokens.to_string()}}
        ])
    };

    // The root span comes first: a trace without tokens or models.
    let root = span(trace, "d7ad6b7169203331", None, json!([]));
    assert_eq!(s.client.post(s.url("/v1/traces")).json(&root).send().await.unwrap().status(), 200);
    let told = loop {
        let (name, data) = events.next().await;
        if name == "traces_ingested" && data["traces"]["count"] == 1 {
            break data;
        }
    };
    assert_eq!((told["traces"]["tokens"].clone(), told["traces"]["usage"].clone()), (json!(0), json!([])), "{told}");
    let hour = told["traces"]["hours"][0]["hour"].clone();

    // Its LLM call comes later.
    let call = span(trace, "e7ad6b7169203331", Some("d7ad6b7169203331"), llm("late-m", 13));
    assert_eq!(s.client.post(&late_url).json(&call).send().await.unwrap().status(), 200);
    let late = loop {
        let (name, data) = events.next().await;
        if name == "traces_ingested" && data["traces"]["tokens"] == 13 {
            break data;
        }
    };
    assert_eq!(late["traces"]["count"], 0, "the same trace, not a new one: {late}");
    assert_eq!(late["traces"]["hours"][0]["hour"], hour);
    assert_eq!(
        (late["traces"]["hours"][0]["count"].clone(), late["traces"]["hours"][0]["latency_count"].clone()),
        (json!(0), json!(0)),
        "{late}"
    );
    assert_eq!(late["traces"]["usage"], json!([{"bucket": hour, "model": "late-m", "tokens": 13, "cost": 0.0}]));

    // The same span sent again, and a step without tokens, change nothing and
    // say nothing: the next trace figures told are a new trace's alone.
    assert_eq!(s.client.post(&late_url).json(&call).send().await.unwrap().status(), 200);
    let step = span(trace, "f7ad6b7169203331", Some("d7ad6b7169203331"), json!([]));
    assert_eq!(s.client.post(s.url("/v1/traces")).json(&step).send().await.unwrap().status(), 200);
    let marker = span("3af7651916cd43dd8448eb211c80319c", "a8ad6b7169203331", None, llm("late-m", 5));
    assert_eq!(s.client.post(s.url("/v1/traces")).json(&marker).send().await.unwrap().status(), 200);
    loop {
        let (name, data) = events.next().await;
        if name != "traces_ingested" || data["traces"]["hours"].as_array().is_some_and(|h| h.is_empty()) {
            continue;
        }
        assert_eq!((data["traces"]["count"].clone(), data["traces"]["tokens"].clone()), (json!(1), json!(5)), "{data}");
        break;
    }
}

/// Deleting a run, then its dataset, tells open dashboards what the runs
/// counted (once, though on PostgreSQL the instance that deleted hears it
/// twice; and also when another instance deleted), so that a
/// dashboard read before the deletions and moved by the stream's events shows
/// what a dashboard read afterwards shows.
#[tokio::test]
async fn deleted_runs_come_off_the_dashboard_as_they_stood() {
    use observ::model::dashboard::Dashboard;
    let s = server(0).await;
    let d = dataset(&s, &["a ok", "b ok", "c", "bad"]).await;
    let first = start_named_run(&s, d, "first", 2).await;
    wait_finished(&s, first).await;
    let second = start_named_run(&s, d, "second", 2).await;
    wait_finished(&s, second).await;
    let (_, before) = read(s.get("/api/v1/dashboard?range=24h").await).await;
    let mut live: Dashboard = serde_json::from_value(before).unwrap();
    assert_eq!((live.current.runs, live.current.items_evaluated, live.recent_runs.len()), (2, 8, 2));
    let mut events = Events::open(&s).await;
    assert_eq!(events.next().await.0, "hello");
    // On PostgreSQL the dataset's deletion goes through another instance; this one hears of it.
    let base = if s.db.dialect() == observ::server::db::Dialect::Postgres {
        s.another_instance().await
    } else {
        s.base.clone()
    };
    let delete = |path: String| {
        let (client, url) = (s.client.clone(), format!("{base}{path}"));
        async move { client.delete(url).send().await.unwrap().status() }
    };

    assert_eq!(s.delete(&format!("/api/v1/runs/{first}")).await.status(), 204);
    let data = apply_until(&mut events, &mut live, |name, _| name == "runs_deleted").await;
    let runs = data["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{data}");
    assert_eq!((runs[0]["id"].as_i64(), runs[0]["completed_items"].as_i64()), (Some(first), Some(3)));
    assert_eq!((runs[0]["failed_items"].as_i64(), runs[0]["dataset_id"].as_i64()), (Some(1), Some(d)));
    assert_eq!((live.current.runs, live.current.items_evaluated, live.recent_runs.len()), (1, 4, 1));

    // A marker: a run started after the deletion. Nothing about the deleted run
    // comes before it ends (told once, though this instance may hear it twice).
    let marker = start_named_run(&s, d, "marker", 2).await;
    wait_finished(&s, marker).await;
    apply_until(&mut events, &mut live, |name, data| {
        assert_ne!(name, "runs_deleted", "told twice: {data}");
        name == "run_finished" && data["run"]["id"] == marker
    })
    .await;

    // The dataset goes with its two remaining runs: one event for both.
    assert_eq!(delete(format!("/api/v1/datasets/{d}")).await, 204);
    let data = apply_until(&mut events, &mut live, |name, _| name == "runs_deleted").await;
    let ids: Vec<i64> = data["runs"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![second, marker]);

    let (_, after) = read(s.get("/api/v1/dashboard?range=24h").await).await;
    let after: Dashboard = serde_json::from_value(after).unwrap();
    let cards = |d: &Dashboard| {
        let c = &d.current;
        (c.runs, c.items_evaluated, c.items_succeeded, c.traces, c.tokens, c.latency_count, (c.cost * 1e9).round())
    };
    assert_eq!(cards(&live), cards(&after));
    assert_eq!((after.current.runs, after.current.traces), (0, 12), "the runs' traces stay, as history");
    assert_eq!((&live.runs, &live.scores, &live.recent_runs), (&after.runs, &after.scores, &after.recent_runs));

    // Deleting what is not there says which run, and tells nothing.
    let (status, body) = read(s.delete(&format!("/api/v1/runs/{first}")).await).await;
    assert_eq!(status, 404, "{body}");
}

/// Applies the stream's events to `live` up to and with the first that `stop`
/// picks, and returns that event's data.
async fn apply_until(
    events: &mut Events,
    live: &mut observ::model::dashboard::Dashboard,
    mut stop: impl FnMut(&str, &Value) -> bool,
) -> Value {
    use observ::model::dashboard_live::InstallEvent;
    loop {
        let (name, data) = events.next().await;
        let event: InstallEvent = serde_json::from_value(data.clone()).unwrap();
        live.apply(&event.change);
        if stop(&name, &data) {
            return data;
        }
    }
}
