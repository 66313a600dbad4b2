//! The store on SQLite and PostgreSQL alike, and several server processes on one PostgreSQL
//! database. PostgreSQL comes from `VESTIBULE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); see [`harness`] for how a run uses it.

// The HTTP test helpers of the `server` suite; this binary uses some of them.
#[allow(dead_code)]
#[path = "../server/common.rs"]
mod common;
mod crash;
mod harness;
mod processes;
mod store;

use harness::{Case, Kind};

fn main() -> std::process::ExitCode {
    let both = |name, run| Case {
        name,
        kind: Kind::BothEngines(run),
    };
    let postgres = |name, run| Case {
        name,
        kind: Kind::Postgres(run),
    };
    harness::main(&[
        both(
            "store::instance_and_connections",
            store::instance_and_connections,
        ),
        both(
            "store::users_accounts_and_tokens",
            store::users_accounts_and_tokens,
        ),
        both("store::sessions_and_flows", store::sessions_and_flows),
        both("store::signing_keys_in_order", store::signing_keys_in_order),
        both(
            "store::write_transactions_queue",
            store::write_transactions_queue,
        ),
        postgres(
            "store::refresh_lock_is_the_row",
            store::refresh_lock_is_the_row,
        ),
        postgres("store::timeouts_hold", store::timeouts_hold),
        postgres(
            "processes::a_flow_started_on_a_completes_on_b",
            processes::a_flow_started_on_a_completes_on_b,
        ),
        postgres(
            "processes::a_revoke_on_a_is_refused_on_b_at_once",
            processes::a_revoke_on_a_is_refused_on_b_at_once,
        ),
        postgres(
            "processes::two_hundred_token_requests_on_two_processes_refresh_once",
            processes::two_hundred_token_requests_on_two_processes_refresh_once,
        ),
        postgres(
            "processes::health_reports_the_database",
            processes::health_reports_the_database,
        ),
        postgres(
            "crash::a_killed_process_loses_nothing",
            crash::a_killed_process_loses_nothing,
        ),
    ])
}
