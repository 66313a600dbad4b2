//! SQLite serves one process: a second server on the same file is refused with a message that
//! says why and what to do instead, and the file is free again once the first one stops.

use crate::common::TestServer;

#[tokio::test]
async fn a_second_process_on_the_same_sqlite_file_is_refused() {
    let first = TestServer::development().await;
    let mut args = vestibule_server::ServeArgs::defaults();
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = first.data_dir.path().to_owned();
    args.dist_dir = first.data_dir.path().join("no-dist");
    let refused = vestibule_server::server::start(args.clone())
        .await
        .err()
        .expect("the second server is refused");
    let message = refused.to_string();
    assert!(message.contains("vestibule.db"), "{message}");
    assert!(message.contains("another vestibule process"), "{message}");
    assert!(message.contains("PostgreSQL"), "{message}");

    let data_dir = first.data_dir;
    first.server.shutdown().await.unwrap();
    let second = vestibule_server::server::start(args)
        .await
        .expect("the file is free once the first server stopped");
    second.shutdown().await.unwrap();
    drop(data_dir);
}
