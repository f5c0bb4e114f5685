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
