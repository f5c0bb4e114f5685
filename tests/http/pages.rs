use crate::server::TestServer;
use serde_json::json;

#[tokio::test]
async fn pages_render_on_the_server() {
    let s = TestServer::start().await;
    let d = s.dataset("Rendered <set>").await;
    let item = json!({"input": {"html": "<script>alert(1)</script>"}, "expected_output": "fine"});
    assert_eq!(s.post(&format!("/api/v1/datasets/{d}/items"), &item).await.status(), 201);

    for path in ["/", "/datasets", "/datasets/new", "/traces", "/sessions"] {
        let res = s.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
    }
    let index = s.get("/datasets").await.text().await.unwrap();
    assert!(index.contains("Rendered &lt;set&gt;"), "names are escaped text");
    let page = s.get(&format!("/datasets/{d}")).await.text().await.unwrap();
    assert!(page.contains("Rendered &lt;set&gt;"));
    assert!(!page.contains("<script>alert(1)"), "untrusted JSON is never raw HTML");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let res = s.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
}

/// Another server starting in the same process leaves this one's pages alone.
/// Making the pages' route list renders the app with resource loading switched
/// off process-wide (leptos#4773): a page whose data started loading meanwhile
/// never finished, and its response never ended. The suite starts many servers
/// in one process, and one CI run hung so. Now the list is made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_servers_start() {
    use observ::server::{agents::AgentRegistry, AppState};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let s = TestServer::start().await;
    let d = s.dataset("while others start").await;
    let stop = Arc::new(AtomicBool::new(false));
    let starting = tokio::spawn({
        let (db, stop) = (s.db.clone(), stop.clone());
        async move {
            let mut started = 0;
            while !stop.load(Ordering::Relaxed) {
                let options =
                    leptos::prelude::LeptosOptions::builder().output_name("observ").site_root("target/site").build();
                drop(observ::serve::app(AppState::new(db.clone(), AgentRegistry::builtin(), options)));
                started += 1;
                tokio::task::yield_now().await;
            }
            started
        }
    });
    for n in 0..40 {
        let page = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            s.get(&format!("/datasets/{d}?n={n}")).await.text().await.unwrap()
        })
        .await
        .unwrap_or_else(|_| panic!("render {n}: the page's response never ended"));
        assert!(page.contains("while others start"), "render {n}");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(starting.await.unwrap() > 0, "other servers started meanwhile");
}

/// A release build made with `--precompress` (`make release`) has a `.gz` and a
/// `.br` beside each bundle file: the server sends the one the browser accepts.
#[tokio::test]
async fn bundle_files_are_sent_precompressed_when_the_build_made_them() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm = b"\0asm\x01\0\0\0 the bundle".to_vec();
    std::fs::write(pkg.join("observ.wasm"), &wasm).unwrap();
    std::fs::write(pkg.join("observ.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("observ.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("observ.js"), b"export default 1;").unwrap();
    let s =
        TestServer::start_with_site(observ::server::agents::AgentRegistry::builtin(), site.path().to_str().unwrap())
            .await;

    let fetch = |encoding: Option<&'static str>, path: &'static str| {
        let mut request = s.anon.get(s.url(path));
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        async move {
            let res = request.send().await.unwrap();
            let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string());
            let (status, content_encoding, content_type) =
                (res.status().as_u16(), header("content-encoding"), header("content-type"));
            (status, content_encoding, content_type, res.bytes().await.unwrap().to_vec())
        }
    };
    let (status, encoding, kind, body) = fetch(Some("gzip, deflate"), "/pkg/observ.wasm").await;
    assert_eq!((status, encoding.as_deref(), kind.as_deref()), (200, Some("gzip"), Some("application/wasm")));
    assert_eq!(body, b"gzip bytes");
    let (_, encoding, _, body) = fetch(Some("gzip, deflate, br"), "/pkg/observ.wasm").await;
    assert_eq!((encoding.as_deref(), body.as_slice()), (Some("br"), b"brotli bytes".as_slice()));
    // A client that accepts neither, and a file without a compressed twin, get the file as it is.
    let (_, encoding, _, body) = fetch(None, "/pkg/observ.wasm").await;
    assert_eq!((encoding, body), (None, wasm));
    let (status, encoding, _, body) = fetch(Some("gzip"), "/pkg/observ.js").await;
    assert_eq!((status, encoding, body.as_slice()), (200, None, b"export default 1;".as_slice()));
}

/// `GET /pkg/modules?m=…`: the modules a later page lacks, in one response
/// (the layout of the release bundle's packs), gzip when accepted; a bad or
/// unknown name is an error that names it.
#[tokio::test]
async fn the_modules_a_page_lacks_come_in_one_response() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("chunk_1.wasm"), b"\0asm one").unwrap();
    std::fs::write(pkg.join("split_trace_chunk_7.wasm"), b"\0asm the trace page").unwrap();
    std::fs::write(site.path().join("secret.wasm"), b"outside pkg").unwrap();
    let s =
        TestServer::start_with_site(observ::server::agents::AgentRegistry::builtin(), site.path().to_str().unwrap())
            .await;
    let unpack = |body: &[u8]| {
        let n = u32::from_le_bytes(body[..4].try_into().unwrap()) as usize;
        let index: Vec<(String, usize)> = serde_json::from_slice(&body[4..4 + n]).unwrap();
        let mut at = 4 + n;
        let parts: Vec<(String, Vec<u8>)> = index
            .into_iter()
            .map(|(name, len)| {
                at += len;
                (name, body[at - len..at].to_vec())
            })
            .collect();
        assert_eq!(at, body.len(), "nothing after the last module");
        parts
    };
    let expected = vec![
        ("split_trace_chunk_7".to_string(), b"\0asm the trace page".to_vec()),
        ("chunk_1".to_string(), b"\0asm one".to_vec()),
    ];

    // Signed out, like every bundle file; gzip when the browser accepts it.
    let url = s.url("/pkg/modules?m=split_trace_chunk_7,chunk_1");
    let res = s.anon.get(&url).header("accept-encoding", "gzip, deflate, br").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..]), &mut body).unwrap();
    assert_eq!(unpack(&body), expected);
    let res = s.anon.get(&url).send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(unpack(&res.bytes().await.unwrap()), expected);

    // Bad input names the module; only names of files in pkg/ are read.
    for (m, status, message) in [
        ("chunk_1,..%2Fsecret", 400, "m: `../secret` (position 2) is not a module name: letters, digits and _ only"),
        ("chunk_1,chunk_2", 404, "m: module `chunk_2` not found"),
        ("chunk_1,chunk_1", 400, "m: `chunk_1` is listed twice"),
        ("", 400, "m: list the modules, comma-separated"),
    ] {
        let res = s.anon.get(s.url(&format!("/pkg/modules?m={m}"))).send().await.unwrap();
        assert_eq!(res.status(), status, "{m}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["message"], message, "{m}");
    }
}
