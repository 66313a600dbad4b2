//! The answer of `GET /v1/client` for a signed-in browser, serialized once and kept with the
//! cached session, so that a warm session check copies no JSON.
//!
//! The answer is a pure function of three things: the session row (an immutable `Arc` that the
//! session cache replaces whenever the session changes: touched, ended, reloaded after its
//! TTL), the inactivity timeout (fixed for the life of the process) and the user (an immutable
//! `Arc` that the user cache replaces on every change and every reload). A changed copy of a
//! row starts with an empty memo, and the memo names the user it was made for, so a change to
//! either shows on the very next request without any invalidation of its own.

use std::sync::{Arc, Mutex, Weak};

use axum::body::Bytes;
use vestibule_core::api::{SessionInfo, User};

/// [`vestibule_core::api::ClientState`] as it goes on the wire, borrowing the cached user
/// instead of copying it.
#[derive(serde::Serialize)]
struct ClientStateBody<'a> {
    session: Option<SessionInfo>,
    user: Option<&'a User>,
}

/// The serialized signed-in answer `{"session":…,"user":…}`.
pub fn render(session: SessionInfo, user: &User) -> serde_json::Result<Bytes> {
    let body = ClientStateBody {
        session: Some(session),
        user: Some(user),
    };
    // Roughly the size of a user with one account and site: one allocation, no regrowth.
    let mut buffer = Vec::with_capacity(1024);
    serde_json::to_writer(&mut buffer, &body)?;
    Ok(Bytes::from(buffer))
}

/// One session's rendered answer and the user it was rendered for.
#[derive(Default)]
pub struct ClientBodyMemo(Mutex<Option<(Weak<User>, Bytes)>>);

impl ClientBodyMemo {
    /// The answer for `user`: the kept bytes when they were made for this very `Arc`, else
    /// `render`'s, which are then kept.
    pub fn get_or_render<E>(
        &self,
        user: &Arc<User>,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        let mut memo = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // The `Weak` keeps the user's allocation, so no other user can reuse its address
        // while the memo names it: equal pointers mean the same, unchanged user.
        if let Some((made_for, body)) = memo.as_ref()
            && std::ptr::eq(made_for.as_ptr(), Arc::as_ptr(user))
        {
            return Ok(body.clone());
        }
        let body = render()?;
        *memo = Some((Arc::downgrade(user), body.clone()));
        Ok(body)
    }
}

/// A copy is a changed row in the making (a touched session): it must not inherit the answer
/// of the row it was copied from.
impl Clone for ClientBodyMemo {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for ClientBodyMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientBodyMemo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vestibule_core::api::ClientState;

    fn user(name: &str) -> Arc<User> {
        Arc::new(User {
            id: "user_1".into(),
            name: Some(name.into()),
            email: Some("ada@example.com".into()),
            email_verified: true,
            avatar_url: None,
            created_at: 1_700_000_000,
            external_accounts: Vec::new(),
        })
    }

    fn session() -> SessionInfo {
        SessionInfo {
            id: "sess_1".into(),
            created_at: 1_700_000_000,
            last_active_at: 1_700_000_100,
            expires_at: 1_700_086_400,
            user_agent: Some("Mozilla/5.0 \"quoted\"".into()),
            current: true,
        }
    }

    #[test]
    fn the_rendered_answer_is_the_client_state_the_api_promises() {
        let user = user("Ada");
        let body = render(session(), &user).unwrap();
        let parsed: ClientState = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            parsed,
            ClientState {
                session: Some(session()),
                user: Some((*user).clone()),
            }
        );
        let expected = serde_json::to_vec(&parsed).unwrap();
        assert_eq!(&body[..], &expected[..], "the same bytes as ClientState");
    }

    #[test]
    fn a_changed_user_or_a_copied_row_renders_again() {
        let memo = ClientBodyMemo::default();
        let ada = user("Ada");
        let render_for = |user: &Arc<User>| {
            let user = user.clone();
            move || render(session(), &user)
        };
        let first = memo.get_or_render(&ada, render_for(&ada)).unwrap();
        let kept = memo
            .get_or_render(&ada, || -> serde_json::Result<Bytes> {
                panic!("the same user must not render again")
            })
            .unwrap();
        assert_eq!(first, kept);

        // The user cache replaced the user (renamed): the next answer shows the change.
        let renamed = user("Ada Lovelace");
        let changed = memo.get_or_render(&renamed, render_for(&renamed)).unwrap();
        assert!(
            std::str::from_utf8(&changed)
                .unwrap()
                .contains("Ada Lovelace")
        );

        // A touched session is a copy of the row: it starts empty.
        let copy = memo.clone();
        let mut rendered = false;
        copy.get_or_render(&renamed, || {
            rendered = true;
            render(session(), &renamed)
        })
        .unwrap();
        assert!(rendered, "a copy renders its own answer");
    }
}
