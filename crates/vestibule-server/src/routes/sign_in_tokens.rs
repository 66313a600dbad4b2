//! Sign-in tokens ("tickets"): the app's own server makes one with the secret key
//! (`POST /v1/sign_in_tokens`), and a browser that visits its URL
//! (`GET /v1/sign_in_tokens/accept?token=`) is signed in as that user and redirected. Single
//! use, at most ten minutes, stored hashed, logged with who asked, refused for a banned user.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use vestibule_core::ErrorCode;
use vestibule_core::sign_in_token::{self, CreateSignInToken, SignInToken};

use crate::auth::{Backend, Session, SignedIn};
use crate::client_addr::ClientIp;
use crate::crypto::sha256_hex;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::guard::JsonBody;
use crate::routes::oauth;
use crate::state::AppState;
use crate::store::sign_in_tokens::{self as store, NewSignInToken};
use crate::store::{accounts, sessions, user_bans};

/// `POST /v1/sign_in_tokens` (secret key): a token for an existing user.
pub async fn create(
    _: Backend,
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    JsonBody(body): JsonBody<CreateSignInToken>,
) -> AppResult<(StatusCode, Json<SignInToken>)> {
    let lifetime = sign_in_token::lifetime(body.expires_in_seconds).ok_or_else(|| {
        AppError::field(
            ErrorCode::InvalidField,
            "expires_in_seconds",
            format!(
                "expires_in_seconds must be 1 to {}",
                sign_in_token::MAX_LIFETIME_SECS
            ),
        )
    })?;
    let redirect_url = crate::signin::redirect_after_sign_in(&state, body.redirect_url.as_deref())?;
    if accounts::load_user(&state.db, &body.user_id)
        .await?
        .is_none()
    {
        return Err(AppError::field(
            ErrorCode::NotFound,
            "user_id",
            "no such user (deleted, or never signed in here)",
        ));
    }
    if user_bans::is_banned(&state.db, &body.user_id).await? {
        return Err(AppError::field(
            ErrorCode::UserBanned,
            "user_id",
            "this user is banned",
        ));
    }
    let requested_by = requested_by(&state.secret_key, client);
    let (token, row) = store::insert(
        &state.db,
        &NewSignInToken {
            user_id: &body.user_id,
            redirect_url: redirect_url.as_str(),
            requested_by: &requested_by,
            lifetime_secs: lifetime,
        },
        state.clock.now(),
    )
    .await?;
    tracing::info!(
        sign_in_token_id = %row.id,
        user_id = %row.user_id,
        %requested_by,
        expires_at = row.expires_at,
        "sign-in token created"
    );
    let mut url = state.settings.url(sign_in_token::ACCEPT_PATH);
    url.push_str("?token=");
    url.push_str(&token);
    Ok((
        StatusCode::CREATED,
        Json(SignInToken {
            id: row.id,
            user_id: row.user_id,
            token,
            url,
            expires_at: row.expires_at,
        }),
    ))
}

/// Who asked, as the log and the row keep it: which secret key (a short fingerprint, never
/// the key) from which address.
fn requested_by(secret_key: &str, client: std::net::IpAddr) -> String {
    let fingerprint = &sha256_hex(secret_key)[..8];
    format!("secret key {fingerprint} from {client}")
}

#[derive(Debug, Deserialize)]
pub struct AcceptQuery {
    pub token: Option<String>,
}

/// `GET /v1/sign_in_tokens/accept?token=`: signs this browser in (ending its previous session)
/// and redirects to the token's `redirect_url`; a refused token lands on the sign-in page
/// with `?error=sign_in_token_invalid`.
pub async fn accept(
    State(state): State<AppState>,
    query: Result<Query<AcceptQuery>, QueryRejection>,
    session: Option<Session>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let token = match query {
        Ok(Query(query)) => query.token.unwrap_or_default(),
        Err(rejection) => return oauth::failure(&state, None, &rejection.into(), &headers),
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let signed_in = session.map(|Session(signed_in)| signed_in);
    match redeem(&state, &token, signed_in.as_ref(), user_agent).await {
        Ok(redeemed) => {
            let jar = jar.add(
                state
                    .cookies
                    .session(redeemed.session_token, redeemed.max_age),
            );
            (jar, Redirect::to(&redeemed.redirect_url)).into_response()
        }
        Err(e) => oauth::failure(&state, None, &e, &headers),
    }
}

struct Redeemed {
    session_token: String,
    max_age: i64,
    redirect_url: String,
}

async fn redeem(
    state: &AppState,
    token: &str,
    signed_in: Option<&SignedIn>,
    user_agent: Option<&str>,
) -> AppResult<Redeemed> {
    let refused =
        |refusal: store::Refusal| AppError::new(ErrorCode::SignInTokenInvalid, refusal.message());
    if token.is_empty() || token.len() > 128 {
        return Err(refused(store::Refusal::Unknown));
    }
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db).await?;
    let row = store::redeem(&mut tx, token, now).await?.map_err(refused)?;
    if user_bans::is_banned_in(&mut tx, &row.user_id).await? {
        // Rolled back with the transaction: the token stays unused for after an unban.
        return Err(AppError::new(ErrorCode::UserBanned, "this user is banned"));
    }
    if let Some(old) = signed_in {
        sessions::end_by_token_in(&mut tx, &old.token).await?;
    }
    let lifetime = state.settings.session_lifetime;
    let (session_token, session) =
        sessions::create(&mut tx, &row.user_id, user_agent, now, lifetime).await?;
    tx.commit().await?;
    if let Some(old) = signed_in {
        state.sessions.forget_token(&old.token);
    }
    tracing::info!(
        sign_in_token_id = %row.id,
        user_id = %row.user_id,
        session_id = %session.id,
        requested_by = %row.requested_by,
        "signed in with a sign-in token"
    );
    Ok(Redeemed {
        session_token,
        max_age: session.expires_at - now,
        redirect_url: row.redirect_url,
    })
}
