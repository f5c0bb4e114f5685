//! Reading request bodies and query strings for the REST API, with errors that
//! name the field: a malformed body is a 400, a wrong field a 422.

use crate::model::FieldErrors;
use crate::server::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};

/// Largest request body the API reads.
pub const BODY_LIMIT_MB: usize = 10;

/// A request body that must be a JSON object.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge(BODY_LIMIT_MB)
            } else {
                AppError::BadRequest(format!("body: {}", rejection.body_text()))
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(AppError::BadRequest("body: must be a JSON object".into())),
            Err(err) => Err(AppError::BadRequest(format!("body: malformed JSON: {err}"))),
        }
    }
}

/// Typed reads of an object's fields; wrong types and unknown keys become field errors.
pub struct Fields {
    map: Map<String, Value>,
    pub errors: FieldErrors,
    prefix: String,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Fields { map, errors: FieldErrors::new(), prefix: String::new() }
    }

    /// For the n-th element of a bulk request: errors read `items[3].input`.
    pub fn nested(map: Map<String, Value>, prefix: String) -> Self {
        Fields { map, errors: FieldErrors::new(), prefix }
    }

    fn error(&mut self, key: &str, message: &str) {
        let field = if self.prefix.is_empty() { key.to_string() } else { format!("{}.{key}", self.prefix) };
        self.errors.add(field, message);
    }

    /// The raw value if the key is present (null included).
    pub fn value(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// `None` when absent; `Some(None)` for an explicit null.
    pub fn optional_string(&mut self, key: &str) -> Option<Option<String>> {
        match self.map.remove(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            _ => {
                self.error(key, "must be a string");
                None
            }
        }
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.optional_string(key)? {
            Some(s) => Some(s),
            None => {
                self.error(key, "can't be null");
                None
            }
        }
    }

    pub fn object(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key)? {
            v @ Value::Object(_) => Some(v),
            _ => {
                self.error(key, "must be a JSON object");
                None
            }
        }
    }

    pub fn add(&mut self, key: &str, message: &str) {
        self.error(key, message);
    }

    /// Ends reading: keys nobody read are errors, except output-only ones a client
    /// may echo back from a GET.
    pub fn finish(mut self, output_only: &[&str]) -> FieldErrors {
        let unknown: Vec<String> = self.map.keys().filter(|k| !output_only.contains(&k.as_str())).cloned().collect();
        for key in unknown {
            self.error(&key, "is not a known field");
        }
        self.errors
    }
}

/// `?limit=` (default 50, at most 500).
pub fn limit(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None | Some("") => Ok(50),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(AppError::field("limit", format!("must be a whole number from 1 to 500, got `{text}`"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_report_types_and_unknown_keys() {
        let Value::Object(map) = json!({"name": 5, "description": null, "extra": 1, "id": 3}) else { unreachable!() };
        let mut f = Fields::new(map);
        assert_eq!(f.string("name"), None);
        assert_eq!(f.optional_string("description"), Some(None));
        assert_eq!(f.optional_string("absent"), None);
        let errors = f.finish(&["id"]);
        assert_eq!(errors.get("name").unwrap(), "must be a string");
        assert_eq!(errors.get("extra").unwrap(), "is not a known field");
        assert!(errors.get("id").is_none());
    }

    #[test]
    fn nested_fields_prefix_errors() {
        let Value::Object(map) = json!({"metadata": []}) else { unreachable!() };
        let mut f = Fields::nested(map, "items[4]".into());
        assert_eq!(f.object("metadata"), None);
        assert_eq!(f.finish(&[]).get("items[4].metadata").unwrap(), "must be a JSON object");
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some("500")).unwrap(), 500);
        assert!(limit(Some("0")).is_err());
        assert!(limit(Some("501")).is_err());
        assert!(limit(Some("ten")).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::arbitrary::{json_text, json_value};
    use proptest::prelude::*;

    fn decode(body: Vec<u8>) -> Result<JsonObject, AppError> {
        let request = Request::builder().body(axum::body::Body::from(body)).unwrap();
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(JsonObject::from_request(request, &()))
    }

    proptest! {
        /// Never a panic; anything but a JSON object is a 400 that says `body: …`.
        #[test]
        fn bodies_decode_or_say_why(text in json_text(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            for body in [text.into_bytes(), bytes] {
                match decode(body) {
                    Ok(_) => {}
                    Err(AppError::BadRequest(message)) => prop_assert!(message.starts_with("body: "), "{}", message),
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }

        /// Wrong types and unknown keys are errors named after the key.
        #[test]
        fn field_errors_name_the_key(value in json_value()) {
            let Value::Object(map) = value else { return Ok(()) };
            let keys: Vec<String> = map.keys().cloned().collect();
            let mut f = Fields::nested(map, "items[0]".into());
            let _ = (f.string("name"), f.optional_string("description"), f.object("metadata"));
            for field in f.finish(&[]).0.keys() {
                let key = field.strip_prefix("items[0].").unwrap_or_default();
                prop_assert!(keys.iter().any(|k| k == key), "{}", field);
            }
        }
    }
}
