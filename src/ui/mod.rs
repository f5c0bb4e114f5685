//! The browser UI: pages (one module per route group) and reusable components.

pub mod components;
pub mod pages;

/// Milliseconds since the epoch, on whichever side is rendering.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

/// The id route parameter `name` as a number (0 when absent or malformed).
pub fn param_id(name: &'static str) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        use leptos::prelude::Read;
        params.read().get(name).and_then(|v| v.parse().ok()).unwrap_or_default()
    }
}

/// A query-string parameter (empty when absent).
pub fn query_param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || {
        use leptos::prelude::Read;
        query.read().get(name).unwrap_or_default()
    }
}

/// `path?k=v&…`, skipping empty values and percent-encoding the rest.
pub fn href(path: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> =
        params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn href_skips_empty_and_encodes() {
        assert_eq!(href("/datasets", &[]), "/datasets");
        let h = href("/datasets/1", &[("tab", "items".into()), ("search", "a b&c=é".into()), ("after", String::new())]);
        assert_eq!(h, "/datasets/1?tab=items&search=a%20b%26c%3D%C3%A9");
    }
}
