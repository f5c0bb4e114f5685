//! Several Observ instances on one database, as behind a load balancer: what
//! one instance learns about sign-ins, sessions and keys holds on the others.

use crate::auth::{bare, sign_in, user};
use crate::server::{client_with_key, read, TestServer};
use observ::model::user::Role;
use serde_json::json;

#[tokio::test]
async fn throttling_keys_and_sessions_hold_across_instances_sharing_the_database() {
    let s = TestServer::start().await;
    let other = s.another_instance().await;
    user(&s, "erin@example.com", Role::Member).await;
    for base in [&s.base, &other, &s.base, &other, &s.base] {
        let res = bare()
            .post(format!("{base}/login"))
            .form(&[("email", "erin@example.com"), ("password", "wrong password!")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    let res = bare()
        .post(format!("{other}/login"))
        .form(&[("email", "erin@example.com"), ("password", "long enough password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "five failures spread over two instances count together");

    // A session opened on one instance works on the other, and so does a key; revoking it on one ends it on both.
    user(&s, "fay@example.com", Role::Viewer).await;
    let cookie = sign_in(&s, "fay@example.com", "long enough password").await;
    let (status, me) =
        read(bare().get(format!("{other}/api/v1/me")).header("cookie", &cookie).send().await.unwrap()).await;
    assert_eq!((status, me["name"].as_str()), (200, Some("fay@example.com")));
    let (_, key) = read(s.post("/api/v1/api-keys", &json!({"name": "shared"})).await).await;
    let shared = client_with_key(key["secret_key"].as_str().unwrap());
    assert_eq!(shared.get(format!("{other}/api/v1/datasets")).send().await.unwrap().status(), 200);
    assert_eq!(s.delete(&format!("/api/v1/api-keys/{}", key["id"])).await.status(), 204);
    assert_eq!(shared.get(format!("{other}/api/v1/datasets")).send().await.unwrap().status(), 401);
}
