//! Claiming run items, on each backend: on PostgreSQL under leases shared by
//! instances (the run's concurrency holds across owners, an expired lease moves
//! to another owner, a release gives items back); on SQLite by one process's
//! cursor, writing nothing until results arrive.

use crate::server::{database_url, on_postgres};
use observ::model::{dataset::DatasetDraft, item::ItemDraft, run::RunDraft};
use observ::server::db::{self, leases, Db};

async fn running_run(db: &Db, items: usize, concurrency: i64) -> i64 {
    let draft = DatasetDraft {
        name: "d".into(),
        description: None,
        agent_class: "echo".into(),
        metadata: serde_json::json!({}),
        evaluators: Vec::new(),
    };
    let d = db::datasets::create(db, &draft).await.unwrap();
    let drafts: Vec<ItemDraft> = (0..items).map(|n| ItemDraft::new(serde_json::json!(n))).collect();
    db::items::create_many(db, d, &drafts).await.unwrap();
    let run = RunDraft { name: "r".into(), description: None, concurrency, repetitions: 1 };
    let run = db::runs::create(db, d, &run).await.unwrap();
    db::runs::mark_running(db, run).await.unwrap();
    run
}

#[tokio::test]
async fn claims_hold_the_concurrency_and_stop_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&database_url(dir.path())).await.unwrap();
    let run = running_run(&db, 5, 3).await;
    let mut cursor = (0, 0, 0);
    let ids = |items: Vec<leases::PendingItem>| items.iter().map(|i| i.dataset_item_id).collect::<Vec<_>>();
    if on_postgres() {
        // a runs 2 of the run's 3 (1 free); b, running none, has 3 free, but a's 2 leases count.
        let a = leases::claim(&db, run, "a", 2, 60_000, &mut cursor.0).await.unwrap();
        assert_eq!(a.len(), 2);
        let b = leases::claim(&db, run, "b", 3, 60_000, &mut cursor.1).await.unwrap();
        assert_eq!(b.len(), 1, "3 in flight across a and b");
        assert!(leases::claim(&db, run, "b", 2, 60_000, &mut cursor.1).await.unwrap().is_empty());
        // b's lease runs out: its item goes to whoever claims next, before any pending one.
        observ::server::db::exec::query(
            "UPDATE observ_dataset_run_items SET lease_expires_ms = 0 WHERE lease_owner = 'b'",
        )
        .execute(db.write_pool_for_tests())
        .await
        .unwrap();
        let c = leases::claim(&db, run, "c", 3, 60_000, &mut cursor.2).await.unwrap();
        assert_eq!(ids(c), ids(b), "the expired item moved to c");
        assert_eq!(leases::release(&db, "a").await.unwrap(), 2);
        assert_eq!(leases::remaining(&db, run).await.unwrap(), 5);
    } else {
        // One process: its cursor walks the pending items in order, writing nothing.
        let first = leases::claim(&db, run, "me", 2, 60_000, &mut cursor.0).await.unwrap();
        let rest = leases::claim(&db, run, "me", 8, 60_000, &mut cursor.0).await.unwrap();
        let all: Vec<i64> = ids(first).into_iter().chain(ids(rest)).collect();
        assert_eq!(all.len(), 5);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "in order, none twice: {all:?}");
        assert!(leases::claim(&db, run, "me", 8, 60_000, &mut cursor.0).await.unwrap().is_empty());
        assert_eq!(leases::remaining(&db, run).await.unwrap(), 5, "still pending until their results are written");
        assert!(leases::nothing_left(&db, run).await.unwrap());
    }
    db::runs::finish(&db, run, true).await.unwrap();
    let mut fresh = 0;
    assert!(
        leases::claim(&db, run, "z", 3, 60_000, &mut fresh).await.unwrap().is_empty(),
        "a cancelled run gives nothing"
    );
}
