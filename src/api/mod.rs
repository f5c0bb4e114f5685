//! Server functions the pages call, one module per domain. Their bodies run on
//! the server and reach the database only through `server::db`.

pub mod datasets;
pub mod items;
pub mod meta;
pub mod runs;
pub mod settings;
pub mod traces;
pub mod transfer;

/// Rows per page in the UI's tables.
pub const PAGE_SIZE: i64 = 50;

/// The encoding of every server function's result: JSON, as with Leptos's
/// `Json`, but read back in the browser with `serde_json::from_str`. Leptos's
/// `Json` reads responses with `from_slice`, while a resource reads the data
/// the server rendered into the page with `from_str`; with both, every result
/// type's deserialiser was compiled into the WASM bundle twice, once per
/// reader (about 8 % of the bundle's code).
pub struct JsonText;

/// The codec to name in `#[server(output = JsonOut)]`: [`JsonText`] in a POST.
pub type JsonOut = leptos::server_fn::codec::Post<JsonText>;

impl leptos::server_fn::ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl leptos::server_fn::FormatType for JsonText {
    const FORMAT_TYPE: leptos::server_fn::Format = leptos::server_fn::Format::Text;
}

impl<T: serde::Serialize> leptos::server_fn::Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<leptos::server_fn::Bytes, Self::Error> {
        serde_json::to_vec(output).map(leptos::server_fn::Bytes::from)
    }
}

impl<T: serde::de::DeserializeOwned> leptos::server_fn::Decodes<T> for JsonText {
    type Error = String;

    fn decode(bytes: leptos::server_fn::Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| format!("the response is not UTF-8: {e}"))?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::JsonText;
    use leptos::server_fn::{Bytes, Decodes, Encodes};
    use std::path::Path;

    #[test]
    fn json_text_round_trips_and_names_what_it_could_not_read() {
        let bytes = <JsonText as Encodes<Vec<(String, f64)>>>::encode(&vec![("é".into(), 0.5)]).unwrap();
        let back: Vec<(String, f64)> = <JsonText as Decodes<_>>::decode(bytes).unwrap();
        assert_eq!(back, vec![("é".to_string(), 0.5)]);

        let not_utf8 = <JsonText as Decodes<Vec<u32>>>::decode(Bytes::from_static(b"[1, \xff]")).unwrap_err();
        assert!(not_utf8.starts_with("the response is not UTF-8"), "{not_utf8}");
        let not_json = <JsonText as Decodes<Vec<u32>>>::decode(Bytes::from_static(b"[1, 2")).unwrap_err();
        assert!(not_json.contains("line 1 column 5"), "{not_json}");
    }

    /// A server function on Leptos's default output encoding would compile a
    /// second JSON reader for its result type into the WASM bundle.
    #[test]
    fn every_server_function_sends_its_result_as_json_text() {
        fn scan(dir: &Path, found: &mut Vec<String>, wrong: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    scan(&path, found, wrong);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        let line = line.trim();
                        if line.starts_with("#[server") {
                            let at = format!("{}:{}", path.display(), n + 1);
                            if !line.contains("output = crate::api::JsonOut") {
                                wrong.push(at.clone());
                            }
                            found.push(at);
                        }
                    }
                }
            }
        }
        let (mut found, mut wrong) = (Vec::new(), Vec::new());
        scan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found, &mut wrong);
        // The scan works: Observ has 49 server functions (a floor, not the count).
        assert!(found.len() >= 45, "found only {} server functions", found.len());
        assert!(wrong.is_empty(), "server functions without `output = crate::api::JsonOut`: {wrong:?}");
    }
}
