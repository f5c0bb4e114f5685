//! The "Connect your app" snippets, filled with this server's address and,
//! when one was just made, a key (placeholders otherwise). The same snippets
//! are in the README's "Send traces from your app".

/// A key to put in the snippets; empty fields become `pk-…` / `sk-…`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keys {
    pub public: String,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snippet {
    pub title: &'static str,
    pub note: &'static str,
    pub code: String,
}

pub fn snippets(base: &str, keys: &Keys) -> Vec<Snippet> {
    let pk = if keys.public.is_empty() { "pk-…" } else { keys.public.as_str() };
    let sk = if keys.secret.is_empty() { "sk-…" } else { keys.secret.as_str() };
    vec![
        Snippet {
            title: "OpenTelemetry · Python",
            note: "pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http",
            code: format!(
                r#"from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
    endpoint="{base}/v1/traces",
    headers={{"Authorization": "Bearer {sk}"}},
)))
trace.set_tracer_provider(provider)

with trace.get_tracer("my-app").start_as_current_span("chat") as span:
    span.set_attribute("gen_ai.operation.name", "chat")
    span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
    span.set_attribute("gen_ai.usage.input_tokens", 12)
    span.set_attribute("gen_ai.usage.output_tokens", 3)
"#
            ),
        },
        Snippet {
            title: "OpenTelemetry · JavaScript",
            note: "npm i @opentelemetry/sdk-node @opentelemetry/exporter-trace-otlp-proto",
            code: format!(
                r#"import {{ NodeSDK }} from "@opentelemetry/sdk-node";
import {{ OTLPTraceExporter }} from "@opentelemetry/exporter-trace-otlp-proto";

new NodeSDK({{
  traceExporter: new OTLPTraceExporter({{
    url: "{base}/v1/traces",
    headers: {{ Authorization: "Bearer {sk}" }},
  }}),
}}).start();
"#
            ),
        },
        Snippet {
            title: "OpenTelemetry · environment",
            note: "Any OpenTelemetry SDK or collector, without code changes.",
            code: format!(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={base}/v1/traces\nOTEL_EXPORTER_OTLP_TRACES_HEADERS=\"Authorization=Bearer%20{sk}\"\n"
            ),
        },
        Snippet {
            title: "Langfuse · Python",
            note: "pip install langfuse — set the environment and keep your code.",
            code: format!(
                r#"# LANGFUSE_HOST={base} LANGFUSE_PUBLIC_KEY={pk} LANGFUSE_SECRET_KEY={sk}
from langfuse import get_client, propagate_attributes

langfuse = get_client()
with langfuse.start_as_current_observation(as_type="span", name="support", input={{"q": "Where is my parcel?"}}) as span:
    with propagate_attributes(user_id="u-42", session_id="chat-7", tags=["web"]):
        with langfuse.start_as_current_observation(as_type="generation", name="answer", model="gpt-4o-mini") as gen:
            gen.update(output="Your parcel is on its way.", usage_details={{"input": 12, "output": 3}})
    span.score_trace(name="helpful", value=1.0)
langfuse.flush()
"#
            ),
        },
        Snippet {
            title: "Langfuse · JavaScript",
            note: "npm i @langfuse/tracing @langfuse/otel @opentelemetry/sdk-node",
            code: format!(
                r#"// LANGFUSE_BASE_URL={base} LANGFUSE_PUBLIC_KEY={pk} LANGFUSE_SECRET_KEY={sk}
import {{ NodeSDK }} from "@opentelemetry/sdk-node";
import {{ LangfuseSpanProcessor }} from "@langfuse/otel";

new NodeSDK({{ spanProcessors: [new LangfuseSpanProcessor()] }}).start();
"#
            ),
        },
        Snippet {
            title: "OpenInference",
            note: "Phoenix's instrumentors (OpenAI, LangChain, LlamaIndex, …) emit OpenTelemetry: add the exporter, then instrument.",
            code: format!(
                r#"from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
    endpoint="{base}/v1/traces", headers={{"Authorization": "Bearer {sk}"}})))
OpenAIInstrumentor().instrument(tracer_provider=provider)
"#
            ),
        },
        Snippet {
            title: "curl",
            note: "One span as OTLP/JSON, to try the key.",
            code: format!(
                r#"curl -s {base}/v1/traces -H "Authorization: Bearer {sk}" -H "content-type: application/json" -d '{{
  "resourceSpans": [{{"scopeSpans": [{{"spans": [{{
    "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
    "name": "hello", "startTimeUnixNano": "1764000000000000000", "endTimeUnixNano": "1764000000250000000",
    "attributes": [{{"key": "user.id", "value": {{"stringValue": "me"}}}}]
  }}]}}]}}]
}}'
"#
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_carry_the_address_and_the_key() {
        let keys = Keys { public: "pk-1".into(), secret: "sk-2".into() };
        let all = snippets("http://obs:3000", &keys);
        assert_eq!(all.len(), 7);
        assert!(all[0].code.contains(r#"endpoint="http://obs:3000/v1/traces""#));
        assert!(all[0].code.contains("Bearer sk-2"));
        assert!(all[3].code.contains("LANGFUSE_PUBLIC_KEY=pk-1"));
        let placeholders = snippets("http://obs:3000", &Keys::default());
        assert!(placeholders.iter().all(|s| !s.code.contains("sk-2")));
        assert!(placeholders[1].code.contains("Bearer sk-…"));
    }
}
