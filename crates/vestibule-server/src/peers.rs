//! The other processes on one PostgreSQL database. Every cache removal that ends something
//! (a sign-out, a revoked session, a changed user) is announced with `NOTIFY`, and every one
//! another process announces is applied to this process's caches, so that it holds on every
//! process at the next request rather than when the cache's entry expires.
//!
//! An API answer that made announcements waits (at most [`FLUSH_LIMIT`]) until every other
//! listening process has applied them: each acknowledges what it applied on the same channel,
//! and the listeners are found by their connection's `application_name`. When a listener
//! loses its connection, notifications may have been missed: both caches start over.
//! On SQLite there is one process and [`Peers`] does nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
    /// Every session of the user with this id ended (a ban).
    UserSessions(String),
}

impl Change {
    fn encode(&self) -> String {
        match self {
            Change::SessionToken(hash) => format!("s:{hash}"),
            Change::SessionId(id) => format!("i:{id}"),
            Change::User(id) => format!("u:{id}"),
            Change::UserSessions(id) => format!("a:{id}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let (kind, key) = text.split_once(':')?;
        let key = key.to_owned();
        match kind {
            "s" => Some(Change::SessionToken(key)),
            "i" => Some(Change::SessionId(key)),
            "u" => Some(Change::User(key)),
            "a" => Some(Change::UserSessions(key)),
            _ => None,
        }
    }
}

/// What travels on the channel: a change, or a process's receipt of one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Message {
    /// Change number `seq` of process `origin`.
    Change {
        origin: String,
        seq: u64,
        change: Change,
    },
    /// Process `from` has applied changes up to `seq` of process `to`.
    Ack { to: String, seq: u64, from: String },
}

impl Message {
    fn encode(&self) -> String {
        match self {
            Message::Change {
                origin,
                seq,
                change,
            } => format!("c|{origin}|{seq}|{}", change.encode()),
            Message::Ack { to, seq, from } => format!("a|{to}|{seq}|{from}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(4, '|');
        let (kind, who, seq, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let seq = seq.parse().ok()?;
        match kind {
            "c" => Some(Message::Change {
                origin: who.to_owned(),
                seq,
                change: Change::decode(rest)?,
            }),
            "a" => Some(Message::Ack {
                to: who.to_owned(),
                seq,
                from: rest.to_owned(),
            }),
            _ => None,
        }
    }
}

/// How a listening process names its listener connection, so that the others can count it.
const LISTENER_NAME_PREFIX: &str = "vestibule-peer:";

/// This process's side of the conversation; a no-op when there are no peers (SQLite).
#[derive(Debug, Clone, Default)]
pub struct Peers {
    inner: Option<Arc<Outbox>>,
}

#[derive(Debug)]
struct Outbox {
    /// Tells this process's notifications from the others'.
    origin: String,
    pool: PgPool,
    /// Encoded messages, and the number of our own change each carries.
    queue: mpsc::UnboundedSender<(Option<u64>, String)>,
    /// The number of the last change queued.
    published: AtomicU64,
    /// The number of the last change seen coming back (or given up on).
    delivered: AtomicU64,
    /// The number of the last change every other process has applied.
    confirmed: AtomicU64,
    /// The last change of ours each other process has applied, by its origin.
    acks: Mutex<HashMap<String, u64>>,
    progress: Notify,
}

/// The receiving end of [`Peers::publish`], for [`spawn`].
pub struct Queue(mpsc::UnboundedReceiver<(Option<u64>, String)>);

impl Peers {
    /// Peers on the shared database behind `pool`; hand the [`Queue`] to [`spawn`].
    pub fn shared(pool: PgPool) -> (Self, Queue) {
        let (queue, receiver) = mpsc::unbounded_channel();
        let outbox = Outbox {
            origin: crate::store::new_id("proc"),
            pool,
            queue,
            published: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            confirmed: AtomicU64::new(0),
            acks: Mutex::default(),
            progress: Notify::new(),
        };
        (
            Self {
                inner: Some(Arc::new(outbox)),
            },
            Queue(receiver),
        )
    }

    /// Whether there are other processes to tell (a shared PostgreSQL database).
    pub fn is_shared(&self) -> bool {
        self.inner.is_some()
    }

    /// Announces `change` to the other processes (after the write that made it committed).
    pub fn publish(&self, change: Change) {
        if let Some(outbox) = &self.inner {
            let seq = outbox.published.fetch_add(1, Ordering::SeqCst) + 1;
            let message = Message::Change {
                origin: outbox.origin.clone(),
                seq,
                change,
            };
            // The receiver lives as long as the server; after shutdown nobody listens anyway.
            let _ = outbox.queue.send((Some(seq), message.encode()));
        }
    }

    fn acknowledge(&self, to: String, seq: u64) {
        if let Some(outbox) = &self.inner {
            let from = outbox.origin.clone();
            let _ = outbox
                .queue
                .send((None, Message::Ack { to, seq, from }.encode()));
        }
    }

    /// Waits, at most `limit`, until every change published so far has been applied by every
    /// other process listening now; `false` when the limit passed first.
    pub async fn flush(&self, limit: Duration) -> bool {
        let Some(outbox) = &self.inner else {
            return true;
        };
        let target = outbox.published.load(Ordering::SeqCst);
        if outbox.confirmed.load(Ordering::SeqCst) >= target {
            return true;
        }
        let confirmed = async {
            // Our own copy back: PostgreSQL has handed the change to every listener.
            outbox
                .wait_until(|| outbox.delivered.load(Ordering::SeqCst) >= target)
                .await;
            let others = match outbox.listening_peers().await {
                Ok(others) => others,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list the other processes");
                    return false;
                }
            };
            outbox
                .wait_until(|| {
                    let acks = outbox.acks.lock().unwrap_or_else(|p| p.into_inner());
                    others
                        .iter()
                        .all(|peer| acks.get(peer).is_some_and(|seq| *seq >= target))
                })
                .await;
            true
        };
        let done = tokio::time::timeout(limit, confirmed)
            .await
            .unwrap_or(false);
        if done {
            outbox.confirmed.fetch_max(target, Ordering::SeqCst);
        }
        done
    }

    fn mark_delivered(&self, seq: u64) {
        if let Some(outbox) = &self.inner {
            outbox.delivered.fetch_max(seq, Ordering::SeqCst);
            outbox.progress.notify_waiters();
        }
    }

    fn mark_acknowledged(&self, peer: String, seq: u64) {
        if let Some(outbox) = &self.inner {
            let mut acks = outbox.acks.lock().unwrap_or_else(|p| p.into_inner());
            let known = acks.entry(peer).or_default();
            *known = (*known).max(seq);
            drop(acks);
            outbox.progress.notify_waiters();
        }
    }

    /// Gives up waiting for our copies of everything published so far (they were lost).
    fn mark_all_delivered(&self) {
        if let Some(outbox) = &self.inner {
            self.mark_delivered(outbox.published.load(Ordering::SeqCst));
        }
    }
}

impl Outbox {
    async fn wait_until(&self, done: impl Fn() -> bool) {
        loop {
            // Made before the check, so that no wake-up between the two is lost.
            let progress = self.progress.notified();
            if done() {
                return;
            }
            progress.await;
        }
    }

    /// The other processes whose listeners are connected to this database now.
    async fn listening_peers(&self) -> sqlx::Result<Vec<String>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT application_name FROM pg_stat_activity \
             WHERE datname = current_database() AND starts_with(application_name, $1)",
        )
        .bind(LISTENER_NAME_PREFIX)
        .fetch_all(&self.pool)
        .await?;
        Ok(names
            .iter()
            .filter_map(|name| name.strip_prefix(LISTENER_NAME_PREFIX))
            .filter(|origin| *origin != self.origin)
            .map(str::to_owned)
            .collect())
    }
}

/// Starts the sender and the listener; both stop at shutdown.
pub fn spawn(state: AppState, queue: Queue, stop: watch::Receiver<bool>) {
    tokio::spawn(send_messages(state.peers.clone(), queue, stop.clone()));
    tokio::spawn(listen(state, stop));
}

async fn send_messages(peers: Peers, Queue(mut queue): Queue, mut stop: watch::Receiver<bool>) {
    let Some(outbox) = peers.inner.clone() else {
        return;
    };
    loop {
        let (own_seq, payload) = tokio::select! {
            next = queue.recv() => match next {
                Some(next) => next,
                None => return,
            },
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&outbox.pool)
            .await;
        if let Err(e) = sent {
            // The other processes fall back on the cache's time-to-live for this one.
            tracing::warn!(error = %e, "announcing a cache change to other processes failed");
            if let Some(seq) = own_seq {
                peers.mark_delivered(seq);
            }
        }
    }
}

async fn listen(state: AppState, mut stop: watch::Receiver<bool>) {
    let Some(outbox) = state.peers.inner.clone() else {
        return;
    };
    let mut listener = loop {
        match subscribe(&outbox).await {
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
            Ok(None) => {
                start_over(&state, "the listener reconnected");
                if let Err(e) = name_listener(&mut listener, &outbox.origin).await {
                    tracing::warn!(error = %e, "cannot name the listener connection");
                }
            }
            Err(e) => {
                start_over(&state, "the listener lost the database");
                tracing::warn!(error = %e, "listening for other processes' changes failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn subscribe(outbox: &Outbox) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(&outbox.pool).await?;
    listener.listen(CHANNEL).await?;
    name_listener(&mut listener, &outbox.origin).await?;
    Ok(listener)
}

/// Names the listener's connection after this process, which makes it a peer the others
/// wait for (after it listens, so that it is never counted before it can answer).
async fn name_listener(listener: &mut PgListener, origin: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(format!("{LISTENER_NAME_PREFIX}{origin}"))
        .execute(listener)
        .await?;
    Ok(())
}

/// One notification: our own coming back, a receipt for ours, or another process's change.
fn apply(state: &AppState, text: &str) {
    let Some(own) = state.peers.inner.as_ref().map(|o| o.origin.as_str()) else {
        return;
    };
    match Message::decode(text) {
        Some(Message::Change { origin, seq, .. }) if origin == own => {
            state.peers.mark_delivered(seq);
        }
        Some(Message::Change {
            origin,
            seq,
            change,
        }) => {
            match change {
                Change::SessionToken(hash) => state.sessions.forget(&hash),
                Change::SessionId(id) => state.sessions.forget_where(|row| row.id != id),
                Change::User(id) => state.users.forget(&id),
                Change::UserSessions(id) => state.sessions.forget_where(|row| row.user_id != id),
            }
            state.peers.acknowledge(origin, seq);
        }
        Some(Message::Ack { to, seq, from }) if to == own => {
            state.peers.mark_acknowledged(from, seq);
        }
        Some(Message::Ack { .. }) => {}
        None => tracing::warn!("ignoring a malformed cache notification"),
    }
}

fn start_over(state: &AppState, why: &str) {
    tracing::info!(why, "cached sessions and users are read again");
    state.sessions.clear();
    state.users.clear();
    state.peers.mark_all_delivered();
}

/// After an API answer: wait until what it announced has been applied by the other
/// processes, so that the client's next request, on whichever process, sees the change.
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
    fn messages_round_trip_and_junk_is_refused() {
        for change in [
            Change::SessionToken("ab12".into()),
            Change::SessionId("sess_1".into()),
            Change::User("user_9".into()),
            Change::UserSessions("user_9".into()),
        ] {
            let message = Message::Change {
                origin: "proc_x".into(),
                seq: 7,
                change,
            };
            assert_eq!(Message::decode(&message.encode()), Some(message));
        }
        let ack = Message::Ack {
            to: "proc_x".into(),
            seq: 3,
            from: "proc_y".into(),
        };
        assert_eq!(Message::decode(&ack.encode()), Some(ack));
        assert_eq!(Message::decode("c|proc_x|seven|u:user"), None);
        assert_eq!(Message::decode("c|proc_x|1|z:user"), None);
        assert_eq!(Message::decode("x|proc_x|1|u:user"), None);
        assert_eq!(Message::decode("nothing"), None);
    }

    #[tokio::test]
    async fn without_peers_flush_returns_at_once() {
        assert!(Peers::default().flush(Duration::ZERO).await);
    }
}
