//! `GET /pkg/modules?m=a,b,…`: several WASM modules of the split browser bundle
//! in one response. A release bundle's first visit takes its page's whole pack
//! (`pkg/pack_<chunk>.wasm`, made by `scripts/pack-chunks`); a page opened
//! later lacks only some of its modules, and the split loader asks for exactly
//! those here, in one request and one compressed body, instead of one request
//! per module (up to a few hundred).
//!
//! The body has the packs' layout: a little-endian `u32` N, N bytes of JSON
//! `[[module, length], …]`, then the modules' bytes in that order. It is sent
//! gzip-compressed when the browser accepts gzip. Module names are checked
//! (letters, digits and `_`, each a file of the bundle); a bad one is a 400 or
//! a 404 that names it, and nothing is read. Public, like every file under `/pkg/`.

use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// More modules than any page of the bundle has.
pub const MAX_MODULES: usize = 2_000;

#[derive(Deserialize)]
pub struct ModulesQuery {
    /// Module names, comma-separated (`chunk_12,split_trace_chunk_…`).
    #[serde(default)]
    m: String,
}

/// The names in `m`, checked: present, at most [`MAX_MODULES`], no repeats,
/// each made of ASCII letters, digits and `_` (so never a path).
pub fn parse_names(m: &str) -> Result<Vec<&str>, AppError> {
    if m.trim().is_empty() {
        return Err(AppError::BadRequest("m: list the modules, comma-separated".into()));
    }
    let names: Vec<&str> = m.split(',').collect();
    if names.len() > MAX_MODULES {
        return Err(AppError::BadRequest(format!("m: {} modules; at most {MAX_MODULES}", names.len())));
    }
    for (at, name) in names.iter().enumerate() {
        let valid =
            !name.is_empty() && name.len() <= 200 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(AppError::BadRequest(format!(
                "m: `{}` (position {}) is not a module name: letters, digits and _ only",
                name.chars().take(60).collect::<String>(),
                at + 1
            )));
        }
        if names[..at].contains(name) {
            return Err(AppError::BadRequest(format!("m: `{name}` is listed twice")));
        }
    }
    Ok(names)
}

/// The modules' bytes in the packs' layout.
pub fn pack(modules: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let index: Vec<(&str, usize)> = modules.iter().map(|(name, bytes)| (*name, bytes.len())).collect();
    let index = serde_json::to_vec(&index).expect("names and lengths serialise");
    let size = 4 + index.len() + modules.iter().map(|(_, b)| b.len()).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(index.len() as u32).to_le_bytes());
    out.extend_from_slice(&index);
    for (_, bytes) in modules {
        out.extend_from_slice(bytes);
    }
    out
}

fn pkg_dir(state: &AppState) -> PathBuf {
    let options = &state.leptos_options;
    Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref())
}

pub async fn serve(
    State(state): State<AppState>,
    Query(query): Query<ModulesQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let names = parse_names(&query.m)?;
    let dir = pkg_dir(&state);
    let mut modules = Vec::with_capacity(names.len());
    for name in &names {
        match tokio::fs::read(dir.join(format!("{name}.wasm"))).await {
            Ok(bytes) => modules.push((*name, bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AppError::NotFound(format!("m: module `{name}`")));
            }
            Err(e) => return Err(AppError::internal(format!("reading module {name}: {e}"))),
        }
    }
    let body = pack(&modules);
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip")));
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if !gzip {
        return Ok((response_headers, body).into_response());
    }
    let compressed = tokio::task::spawn_blocking(move || {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).and_then(|()| encoder.finish())
    })
    .await
    .map_err(|e| AppError::internal(format!("compressing modules: {e}")))?
    .map_err(|e| AppError::internal(format!("compressing modules: {e}")))?;
    response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    Ok((response_headers, compressed).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_anything_is_read() {
        assert_eq!(parse_names("chunk_1,split_trace_chunk_99").unwrap(), ["chunk_1", "split_trace_chunk_99"]);
        let message = |m: &str| parse_names(m).unwrap_err().to_string();
        assert_eq!(message(""), "m: list the modules, comma-separated");
        assert_eq!(
            message("chunk_1,../observ"),
            "m: `../observ` (position 2) is not a module name: letters, digits and _ only"
        );
        assert_eq!(message("chunk_1,"), "m: `` (position 2) is not a module name: letters, digits and _ only");
        assert_eq!(message("chunk_1,chunk_1"), "m: `chunk_1` is listed twice");
        let many = (0..=MAX_MODULES).map(|n| format!("chunk_{n}")).collect::<Vec<_>>().join(",");
        assert_eq!(message(&many), format!("m: {} modules; at most {MAX_MODULES}", MAX_MODULES + 1));
    }

    #[test]
    fn a_pack_is_its_index_then_the_modules_in_order() {
        let packed = pack(&[("a", vec![1, 2, 3]), ("b_2", vec![9])]);
        let index_len = u32::from_le_bytes(packed[..4].try_into().unwrap()) as usize;
        let index: Vec<(String, usize)> = serde_json::from_slice(&packed[4..4 + index_len]).unwrap();
        assert_eq!(index, [("a".to_string(), 3), ("b_2".to_string(), 1)]);
        assert_eq!(&packed[4 + index_len..], &[1, 2, 3, 9]);
    }
}
