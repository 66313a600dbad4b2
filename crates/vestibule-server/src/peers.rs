//! The other processes on one PostgreSQL database. Every cache removal that ends something
//! (a sign-out, a revoked session, a changed user) is announced with `NOTIFY`, and every one
//! another process announces is applied to this process's caches, so that it holds on every
//! process at the next request rather than when the cache's entry expires.
//!
//! An API answer that made announcements waits until they came back through this process's
//! own listener: PostgreSQL then has handed them to every listening process. When the listener
//! loses its connection, notifications may have been missed: both caches start over.
//! On SQLite there is one process and [`Peers`] does nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, mpsc, watch};

use crate::state::AppState;

/// The `LISTEN`/`NOTIFY` channel.
pub const CHANNEL: &str = "vestibule_cache";

/// How long an answer waits for its announcements to come back before it goes anyway (the
/// entry's time-to-live still bounds how long another process can trust it).
pub const FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// What another process must forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The session whose token has this SHA-256 ended.
    SessionToken(String),
    /// The session with this id ended.
    SessionId(String),
    /// The user with this id changed (accounts, profile, reconnect needed).
    User(String),
}

impl Change {
    fn encode(&self) -> String {
        match self {
            Change::SessionToken(hash) => format!("s:{hash}"),
            Change::SessionId(id) => format!("i:{id}"),
            Change::User(id) => format!("u:{id}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let (kind, key) = text.split_once(':')?;
        let key = key.to_owned();
        match kind {
            "s" => Some(Change::SessionToken(key)),
            "i" => Some(Change::SessionId(key)),
            "u" => Some(Change::User(key)),
            _ => None,
        }
    }
}

/// A notification as sent: who sent it, its number there, and the change.
fn payload(origin: &str, seq: u64, change: &Change) -> String {
    format!("{origin}|{seq}|{}", change.encode())
}

fn parse_payload(text: &str) -> Option<(&str, u64, Change)> {
    let mut parts = text.splitn(3, '|');
    let origin = parts.next()?;
    let seq = parts.next()?.parse().ok()?;
    Some((origin, seq, Change::decode(parts.next()?)?))
}

/// This process's side of the conversation; a no-op when there are no peers (SQLite).
#[derive(Debug, Clone, Default)]
pub struct Peers {
    inner: Option<Arc<Outbox>>,
}

#[derive(Debug)]
struct Outbox {
    /// Tells this process's notifications from the others'.
    origin: String,
    queue: mpsc::UnboundedSender<(u64, Change)>,
    /// The number of the last change queued.
    published: AtomicU64,
    /// The number of the last change seen coming back (or given up on).
    delivered: AtomicU64,
    progress: Notify,
}

/// The receiving end of [`Peers::publish`], for [`spawn`].
pub struct Queue(mpsc::UnboundedReceiver<(u64, Change)>);

impl Peers {
    /// Peers on a shared database; hand the [`Queue`] to [`spawn`].
    pub fn shared() -> (Self, Queue) {
        let (queue, receiver) = mpsc::unbounded_channel();
        let outbox = Outbox {
            origin: crate::store::new_id("proc"),
            queue,
            published: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            progress: Notify::new(),
        };
        (
            Self {
                inner: Some(Arc::new(outbox)),
            },
            Queue(receiver),
        )
    }

    /// Announces `change` to the other processes (after the write that made it committed).
    pub fn publish(&self, change: Change) {
        if let Some(outbox) = &self.inner {
            let seq = outbox.published.fetch_add(1, Ordering::SeqCst) + 1;
            // The receiver lives as long as the server; after shutdown nobody listens anyway.
            let _ = outbox.queue.send((seq, change));
        }
    }

    /// Waits, at most `limit`, until every change published so far has been handed to the
    /// other processes; `false` when the limit passed first.
    pub async fn flush(&self, limit: Duration) -> bool {
        let Some(outbox) = &self.inner else {
            return true;
        };
        let target = outbox.published.load(Ordering::SeqCst);
        let caught_up = async {
            loop {
                let progress = outbox.progress.notified();
                if outbox.delivered.load(Ordering::SeqCst) >= target {
                    return;
                }
                progress.await;
            }
        };
        tokio::time::timeout(limit, caught_up).await.is_ok()
    }

    fn mark_delivered(&self, seq: u64) {
        if let Some(outbox) = &self.inner {
            outbox.delivered.fetch_max(seq, Ordering::SeqCst);
            outbox.progress.notify_waiters();
        }
    }

    /// Gives up waiting for everything published so far (its notifications were lost).
    fn mark_all_delivered(&self) {
        if let Some(outbox) = &self.inner {
            self.mark_delivered(outbox.published.load(Ordering::SeqCst));
        }
    }
}

/// Starts the sender and the listener; both stop at shutdown.
pub fn spawn(state: AppState, pool: PgPool, queue: Queue, stop: watch::Receiver<bool>) {
    tokio::spawn(send_changes(
        state.peers.clone(),
        pool.clone(),
        queue,
        stop.clone(),
    ));
    tokio::spawn(listen(state, pool, stop));
}

async fn send_changes(
    peers: Peers,
    pool: PgPool,
    Queue(mut queue): Queue,
    mut stop: watch::Receiver<bool>,
) {
    let Some(origin) = peers.inner.as_ref().map(|o| o.origin.clone()) else {
        return;
    };
    loop {
        let (seq, change) = tokio::select! {
            next = queue.recv() => match next {
                Some(next) => next,
                None => return,
            },
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload(&origin, seq, &change))
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            // The other processes fall back on the cache's time-to-live for this one.
            tracing::warn!(error = %e, "announcing a cache change to other processes failed");
            peers.mark_delivered(seq);
        }
    }
}

async fn listen(state: AppState, pool: PgPool, mut stop: watch::Receiver<bool>) {
    let mut listener = loop {
        match subscribe(&pool).await {
            Ok(listener) => break listener,
            Err(e) => tracing::warn!(error = %e, "cannot listen for other processes' changes"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    };
    loop {
        let next = tokio::select! {
            next = listener.try_recv() => next,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        match next {
            Ok(Some(notification)) => apply(&state, notification.payload()),
            // Reconnected: whatever was announced meanwhile is lost, so trust nothing cached.
            Ok(None) => start_over(&state, "the listener reconnected"),
            Err(e) => {
                start_over(&state, "the listener lost the database");
                tracing::warn!(error = %e, "listening for other processes' changes failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// One notification: our own coming back, or another process's change to apply.
fn apply(state: &AppState, text: &str) {
    let Some((origin, seq, change)) = parse_payload(text) else {
        tracing::warn!("ignoring a malformed cache notification");
        return;
    };
    let ours = state
        .peers
        .inner
        .as_ref()
        .is_some_and(|o| o.origin == origin);
    if ours {
        state.peers.mark_delivered(seq);
        return;
    }
    match change {
        Change::SessionToken(hash) => state.sessions.forget(&hash),
        Change::SessionId(id) => state.sessions.forget_where(|row| row.id != id),
        Change::User(id) => state.users.forget(&id),
    }
}

fn start_over(state: &AppState, why: &str) {
    tracing::info!(why, "cached sessions and users are read again");
    state.sessions.clear();
    state.users.clear();
    state.peers.mark_all_delivered();
}

/// After an API answer: wait until what it announced has reached the other processes, so
/// that the client's next request, on whichever process, sees the change.
pub async fn wait_for_peers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if !state.peers.flush(FLUSH_LIMIT).await {
        tracing::warn!("other processes did not confirm a cache change in time");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_junk_is_refused() {
        for change in [
            Change::SessionToken("ab12".into()),
            Change::SessionId("sess_1".into()),
            Change::User("user_9".into()),
        ] {
            let text = payload("proc_x", 7, &change);
            assert_eq!(parse_payload(&text), Some(("proc_x", 7, change)));
        }
        assert_eq!(parse_payload("proc_x|seven|u:user"), None);
        assert_eq!(parse_payload("proc_x|1|z:user"), None);
        assert_eq!(parse_payload("nothing"), None);
    }

    #[tokio::test]
    async fn flush_waits_for_the_echo_and_gives_up_at_the_limit() {
        assert!(Peers::default().flush(Duration::ZERO).await, "no peers");
        let (peers, _queue) = Peers::shared();
        assert!(peers.flush(Duration::ZERO).await, "nothing published");
        peers.publish(Change::User("user_1".into()));
        assert!(!peers.flush(Duration::from_millis(20)).await);
        let waiting = tokio::spawn({
            let peers = peers.clone();
            async move { peers.flush(Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        peers.mark_delivered(1);
        assert!(waiting.await.unwrap());
    }
}
