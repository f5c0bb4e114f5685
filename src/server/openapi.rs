//! The OpenAPI 3.1 document of `/api/v1`, `/api/public` and `/v1/traces`,
//! served at `/api/openapi.json` and rendered at `/api-docs`. Schemas are
//! generated from the model types the handlers read and write (`utoipa`
//! derives); the table below names each route's types. A test checks that
//! every route the routers declare is here, and nothing else.

use crate::model;
use serde_json::{json, Map, Value};
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

/// What a request or response carries.
#[derive(Clone, Copy)]
enum Body {
    None,
    /// A model type's schema, by name.
    Of(&'static str),
    /// `{data: [T], next_cursor}`.
    Page(&'static str),
    /// `[T]`.
    List(&'static str),
    /// A JSON object described in words (Langfuse shapes, small answers).
    Object(&'static str),
    /// Another media type, described in words.
    Media(&'static str, &'static str),
}

struct Route {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    request: Body,
    status: u16,
    response: Body,
}

const fn r(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    request: Body,
    status: u16,
    response: Body,
) -> Route {
    Route { method, path, tag, summary, request, status, response }
}

use Body::{List, Media, None as Nothing, Object, Of, Page};

const ROUTES: &[Route] = &[
    r("get", "/api/v1/me", "access", "Who the key or session belongs to", Nothing, 200, Object("{name, role, via}")),
    r("get", "/api/v1/api-keys", "access", "API keys (admins)", Nothing, 200, Page("ApiKey")),
    r("post", "/api/v1/api-keys", "access", "Create an API key; the secret is shown once", Object("{name, role}"), 201, Of("NewApiKey")),
    r("delete", "/api/v1/api-keys/{id}", "access", "Revoke an API key", Nothing, 204, Nothing),
    r("get", "/api/v1/users", "access", "People (admins)", Nothing, 200, Page("User")),
    r("post", "/api/v1/users", "access", "Create a person", Object("{email, name, password, role}"), 201, Of("User")),
    r("patch", "/api/v1/users/{id}", "access", "Change a person's name or role", Object("{name?, role?}"), 200, Of("User")),
    r("delete", "/api/v1/users/{id}", "access", "Remove a person (their sessions end)", Nothing, 204, Nothing),
    r("get", "/api/v1/dashboard", "dashboard", "The dashboard's figures (`?range=24h|7d|30d`, default 24h): cards of this period and the one before, series per hour (24h) or day, score trends, recent runs", Nothing, 200, Of("Dashboard")),
    r("get", "/api/v1/events", "dashboard", "Server-sent install-wide changes: hello, run_started, run_progress, run_finished, run_scored, traces_ingested, resync", Nothing, 200, Media("text/event-stream", "events; each data line is JSON with type and sent_ms")),
    r("get", "/api/v1/agents", "datasets", "Registered agents", Nothing, 200, List("AgentInfo")),
    r("get", "/api/v1/datasets", "datasets", "Datasets (`?search=` on name)", Nothing, 200, Page("Dataset")),
    r("post", "/api/v1/datasets", "datasets", "Create a dataset", Object("{name, description?, agent_class, metadata?, evaluators?}"), 201, Of("Dataset")),
    r("get", "/api/v1/datasets/{id}", "datasets", "One dataset with its counters", Nothing, 200, Of("Dataset")),
    r("patch", "/api/v1/datasets/{id}", "datasets", "Update a dataset", Object("{name?, description?, agent_class?, metadata?, evaluators?}"), 200, Of("Dataset")),
    r("delete", "/api/v1/datasets/{id}", "datasets", "Delete a dataset with its items and runs", Nothing, 204, Nothing),
    r("post", "/api/v1/datasets/{id}/duplicate", "datasets", "Copy a dataset's items and evaluators", Object("{name?}"), 201, Of("Dataset")),
    r("get", "/api/v1/datasets/{id}/compare", "evaluation", "Runs side by side (`?runs=1,2,3&baseline=1`): per item every run's result, and paired statistics (mean delta, 95 % bootstrap interval, verdict, newly failing/passing items) of each run against the baseline on each score", Nothing, 200, Of("CompareWithStats")),
    r("post", "/api/v1/runs/{id}/baseline", "evaluation", "Mark a run as its dataset's baseline", Nothing, 200, Of("Dataset")),
    r("delete", "/api/v1/datasets/{id}/baseline", "evaluation", "Clear the dataset's baseline", Nothing, 200, Of("Dataset")),
    r("post", "/api/v1/datasets/{id}/gate", "evaluation", "Judge a finished run against the baseline: minimum score means, newly failing items, worse verdicts", Of("GateRequest"), 200, Of("GateResult")),
    r("get", "/api/v1/datasets/{id}/items", "items", "Items (`?status=&search=`)", Nothing, 200, Page("DatasetItem")),
    r("post", "/api/v1/datasets/{id}/items", "items", "Create one item, or `{items: [...]}` (≤ 10,000, all or nothing)", Object("{input, expected_output?, metadata?, status?} or {items}"), 201, Of("DatasetItem")),
    r("get", "/api/v1/datasets/{id}/items/{item_id}", "items", "One item", Nothing, 200, Of("DatasetItem")),
    r("patch", "/api/v1/datasets/{id}/items/{item_id}", "items", "Update an item (incl. status)", Object("{input?, expected_output?, metadata?, status?}"), 200, Of("DatasetItem")),
    r("delete", "/api/v1/datasets/{id}/items/{item_id}", "items", "Delete an item", Nothing, 204, Nothing),
    r("get", "/api/v1/datasets/{id}/items/{item_id}/runs", "items", "An item's history across runs", Nothing, 200, List("ItemRun")),
    r("post", "/api/v1/datasets/{id}/items/import", "items", "Import CSV or JSONL items, all or nothing", Media("text/csv", "columns or keys input, expected_output, metadata"), 200, Object("{imported}")),
    r("get", "/api/v1/datasets/{id}/items/export", "items", "Export items (`?format=csv|jsonl`)", Nothing, 200, Media("application/x-ndjson", "one item per line (or CSV)")),
    r("get", "/api/v1/datasets/{id}/runs", "runs", "A dataset's runs", Nothing, 200, Page("RunSummary")),
    r("post", "/api/v1/datasets/{id}/runs", "runs", "Start a run", Object("{name, description?, concurrency?, repetitions?}"), 201, Of("DatasetRun")),
    r("get", "/api/v1/runs/{id}", "runs", "A run with progress and aggregates", Nothing, 200, Of("DatasetRun")),
    r("delete", "/api/v1/runs/{id}", "runs", "Delete a run and its results", Nothing, 204, Nothing),
    r("get", "/api/v1/runs/{id}/items", "runs", "A run's items (`?status=`)", Nothing, 200, Page("RunItem")),
    r("post", "/api/v1/runs/{id}/cancel", "runs", "Stop a pending or running run", Nothing, 200, Of("DatasetRun")),
    r("post", "/api/v1/runs/{id}/retry", "runs", "Re-run a finished run's failed items", Nothing, 200, Of("DatasetRun")),
    r("post", "/api/v1/runs/{id}/evaluate", "evaluation", "Score a finished run with the dataset's evaluators", Nothing, 200, Of("DatasetRun")),
    r("get", "/api/v1/runs/{id}/repetitions", "evaluation", "pass@k, pass^k, each score's spread over repetitions, and the flaky items (flaky first)", Nothing, 200, Of("RepetitionReport")),
    r("get", "/api/v1/runs/{id}/calibration", "evaluation", "Judge calibration: each LLM judge's accuracy, Cohen's κ and confusion counts against the run's manual labels", Nothing, 200, Of("Calibration")),
    r("get", "/api/v1/runs/{id}/events", "runs", "Server-sent events: snapshot, item, progress, done", Nothing, 200, Media("text/event-stream", "events; Last-Event-ID resumes")),
    r("get", "/api/v1/runs/{id}/export", "runs", "Export a run (`?format=csv|jsonl`)", Nothing, 200, Media("application/x-ndjson", "one run item per line (or CSV)")),
    r("post", "/api/v1/scores", "evaluation", "A manual or external score on a run item or trace", Object("{name, value?, string_value?, data_type, run_item_id | trace_id, comment?}"), 201, Of("Score")),
    r("get", "/api/v1/traces", "traces", "Traces: filters name, user_id, session_id, run_id, tags, environment, release, model, has_error, from, to, min_cost, min_latency_ms, search; sort time|cost|latency|tokens; cursor", Nothing, 200, Page("TraceSummary")),
    r("get", "/api/v1/traces/{id}", "traces", "One trace (by row id or its own id) with observations and scores", Nothing, 200, Of("Trace")),
    r("post", "/api/v1/traces/{id}/add-to-dataset", "traces", "A trace as a new item", Object("{dataset_id, expected_output?, input_path?, expected_path?}"), 201, Of("DatasetItem")),
    r("post", "/api/v1/traces/add-to-dataset", "traces", "Several traces as items, one transaction", Object("{dataset_id, trace_ids, input_path?, expected_path?}"), 201, Object("{created, ids}")),
    r("post", "/api/v1/observations/{id}/add-to-dataset", "traces", "An observation as a new item, input and expected picked by JSON path", Object("{dataset_id, input_path?, expected_path?, use_output_as_expected?}"), 201, Of("DatasetItem")),
    r("post", "/v1/traces", "ingestion", "OTLP/HTTP traces (protobuf or JSON, gzip)", Media("application/x-protobuf", "ExportTraceServiceRequest"), 200, Media("application/x-protobuf", "ExportTraceServiceResponse")),
    r("get", "/api/public/projects", "langfuse", "The one project (the SDKs' auth check)", Nothing, 200, Object("{data: [{id, name, metadata, organization}]}")),
    r("get", "/api/public/health", "langfuse", "Health, as Langfuse answers it", Nothing, 200, Object("{status, version}")),
    r("post", "/api/public/otel/v1/traces", "langfuse", "OTLP/HTTP traces, the Langfuse SDKs' path", Media("application/x-protobuf", "ExportTraceServiceRequest"), 200, Media("application/x-protobuf", "ExportTraceServiceResponse")),
    r("post", "/api/public/scores", "langfuse", "A score or an array of scores (Langfuse fields)", Object("{traceId?, observationId?, sessionId?, datasetRunId?, name, value, dataType?, comment?, metadata?}"), 200, Object("{message}")),
    r("get", "/api/public/v2/datasets", "langfuse", "Datasets, numbered pages", Nothing, 200, Object("{data: [Dataset], meta: {page, limit, totalItems, totalPages}}")),
    r("post", "/api/public/v2/datasets", "langfuse", "Create (or answer) a dataset by name", Object("{name, description?, metadata?}"), 200, Object("Langfuse Dataset")),
    r("get", "/api/public/v2/datasets/{name}", "langfuse", "A dataset by name (`/` as %2F)", Nothing, 200, Object("Langfuse Dataset")),
    r("get", "/api/public/datasets", "langfuse", "Datasets (v1 path)", Nothing, 200, Object("{data, meta}")),
    r("post", "/api/public/datasets", "langfuse", "Create a dataset (v1 path)", Object("{name, description?, metadata?}"), 200, Object("Langfuse Dataset")),
    r("get", "/api/public/datasets/{name}", "langfuse", "A dataset with its items (v1 shape)", Nothing, 200, Object("Langfuse Dataset with items")),
    r("get", "/api/public/dataset-items", "langfuse", "Items (`?datasetName=&page=&limit=`)", Nothing, 200, Object("{data: [DatasetItem], meta}")),
    r("post", "/api/public/dataset-items", "langfuse", "Create an item (or update the one its id names)", Object("{datasetName, input, expectedOutput?, metadata?, id?, status?, sourceTraceId?}"), 200, Object("Langfuse DatasetItem")),
    r("get", "/api/public/dataset-items/{id}", "langfuse", "One item", Nothing, 200, Object("Langfuse DatasetItem")),
    r("post", "/api/public/ingestion", "langfuse", "The legacy event batch: 207 with successes and errors", Object("{batch: [{id, type, timestamp, body}]}"), 207, Object("{successes, errors}")),
    r("get", "/api/openapi.json", "meta", "This document", Nothing, 200, Object("OpenAPI 3.1")),
];

/// The model schemas the routes name, with the ones they contain.
fn schemas() -> Map<String, Value> {
    let mut all: Vec<(String, RefOr<Schema>)> = Vec::new();
    fn add<T: ToSchema>(all: &mut Vec<(String, RefOr<Schema>)>) {
        all.push((T::name().into_owned(), T::schema()));
        T::schemas(all);
    }
    add::<model::dataset::Dataset>(&mut all);
    add::<model::item::DatasetItem>(&mut all);
    add::<model::run::RunSummary>(&mut all);
    add::<model::run::DatasetRun>(&mut all);
    add::<model::run_item::RunItem>(&mut all);
    add::<model::run_item::ItemRun>(&mut all);
    add::<model::score::Score>(&mut all);
    add::<model::trace::Trace>(&mut all);
    add::<model::trace::TraceSummary>(&mut all);
    add::<model::trace::Session>(&mut all);
    add::<model::agent::AgentInfo>(&mut all);
    add::<model::user::User>(&mut all);
    add::<model::user::ApiKey>(&mut all);
    add::<model::user::NewApiKey>(&mut all);
    add::<model::compare::ComparePayload>(&mut all);
    add::<model::repetitions::RepetitionReport>(&mut all);
    add::<model::calibration::Calibration>(&mut all);
    add::<model::paired::CompareWithStats>(&mut all);
    add::<model::gate::GateResult>(&mut all);
    add::<model::gate::GateConditions>(&mut all);
    add::<model::dashboard::Dashboard>(&mut all);
    map_gate_request(&mut all);
    let mut map = Map::new();
    for (name, schema) in all {
        map.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    map.insert(
        "Error".into(),
        json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}}),
    );
    map
}

/// The gate's request body: a run, an optional baseline, and conditions.
fn map_gate_request(all: &mut Vec<(String, RefOr<Schema>)>) {
    let schema: Schema = serde_json::from_value(json!({
        "type": "object",
        "required": ["run_id"],
        "properties": {
            "run_id": {"type": "integer"},
            "baseline_run_id": {"type": ["integer", "null"], "description": "default: the dataset's baseline"},
            "conditions": {"$ref": "#/components/schemas/GateConditions"}
        }
    }))
    .expect("a valid schema");
    all.push(("GateRequest".into(), RefOr::T(schema)));
}

fn content(body: Body) -> Option<Value> {
    let reference = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let (media, schema) = match body {
        Body::None => return None,
        Body::Of(name) => ("application/json", reference(name)),
        Body::Page(name) => (
            "application/json",
            json!({"type": "object", "required": ["data"], "properties": {
                "data": {"type": "array", "items": reference(name)},
                "next_cursor": {"type": ["string", "null"]}}}),
        ),
        Body::List(name) => ("application/json", json!({"type": "array", "items": reference(name)})),
        Body::Object(what) => ("application/json", json!({"type": "object", "description": what})),
        Body::Media(media, what) => (media, json!({"description": what})),
    };
    Some(json!({ media: {"schema": schema} }))
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut op = json!({
            "tags": [route.tag],
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method, route.path.trim_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
            "responses": {},
        });
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(body) = content(route.request) {
            op["requestBody"] = json!({"required": true, "content": body});
        }
        let mut ok = json!({"description": "success"});
        if let Some(body) = content(route.response) {
            ok["content"] = body;
        }
        let error = json!({"description": "an error naming what was wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        op["responses"] = json!({
            route.status.to_string(): ok,
            "400": error.clone(), "401": error.clone(), "403": error.clone(), "404": error.clone(), "422": error,
        });
        let item = paths.entry(route.path.to_string()).or_insert_with(|| json!({}));
        item[route.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Observ API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Datasets, runs, evaluation and traces (/api/v1); OTLP ingestion (/v1/traces); the Langfuse-compatible API (/api/public).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "the secret key, sk-…"},
                "basic": {"type": "http", "scheme": "basic", "description": "public key as user, secret key as password"},
            },
        },
    })
}

pub async fn serve_document() -> axum::Json<Value> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_schema_exists() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            assert!(schemas.contains_key(&name), "{name} is referenced but not defined");
        }
        assert!(schemas["Trace"]["properties"]["observations"].is_object());
    }
}
