//! The browser's API: who is signed in, signing out, sessions and connected accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use vestibule_core::ErrorCode;
use vestibule_core::api::{ClientState, SessionList};

use crate::auth::Session;
use crate::client_body;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{accounts, sessions};

/// `GET /v1/client`
pub async fn client(
    State(state): State<AppState>,
    session: Option<Session>,
) -> AppResult<axum::response::Response> {
    let signed_out = || Json(ClientState::default()).into_response();
    let Some(Session(signed_in)) = session else {
        return Ok(signed_out());
    };
    let session = &signed_in.session;
    let Some(user) = state.users.get_or_load(&state.db, &session.user_id).await? else {
        return Ok(signed_out());
    };
    // Kept with the cached session: a warm check sends the same bytes without serializing.
    let body = session.client_body.get_or_render(&user, || {
        client_body::render(
            session.to_api(state.settings.session_inactivity, true),
            &user,
        )
        .map_err(|e| AppError::internal(format!("cannot serialize the client state: {e}")))
    })?;
    let mut response = axum::response::Response::new(body.into());
    // Room for the dozen headers the layers add (security, CORS, id, cache, compression), so
    // that the map is allocated once instead of grown and rehashed on the way out.
    *response.headers_mut() = HeaderMap::with_capacity(ANSWER_HEADERS);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Headers on a `GET /v1/client` answer before hyper adds `content-length` and `date`.
const ANSWER_HEADERS: usize = 12;

/// `POST /v1/sign_out`: ends this browser's session; the cookie goes too.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Option<Session>,
    jar: CookieJar,
) -> AppResult<impl IntoResponse> {
    if let Some(Session(signed_in)) = session {
        sessions::end_by_token(&state.db, &state.sessions, &signed_in.token).await?;
        tracing::info!(session_id = %signed_in.session.id, "signed out");
    }
    let jar = jar.add(state.cookies.removal(&state.cookies.session));
    Ok((jar, Json(ClientState::default())))
}

/// `GET /v1/me/sessions`
pub async fn list_sessions(
    State(state): State<AppState>,
    Session(signed_in): Session,
) -> AppResult<Json<SessionList>> {
    let inactivity = state.settings.session_inactivity;
    let rows = sessions::list_for_user(
        &state.db,
        &signed_in.session.user_id,
        state.clock.now(),
        inactivity,
    )
    .await?;
    Ok(Json(SessionList {
        sessions: rows
            .iter()
            .map(|row| row.to_api(inactivity, row.id == signed_in.session.id))
            .collect(),
    }))
}

/// `DELETE /v1/me/sessions/{id}`: revokes one of the user's sessions (this one included).
pub async fn revoke_session(
    State(state): State<AppState>,
    Session(signed_in): Session,
    Path(id): Path<String>,
    jar: CookieJar,
) -> AppResult<impl IntoResponse> {
    let ended =
        sessions::end_by_id(&state.db, &state.sessions, &signed_in.session.user_id, &id).await?;
    if !ended {
        return Err(AppError::new(ErrorCode::NotFound, "no such session"));
    }
    tracing::info!(session_id = %id, "session revoked");
    let jar = if id == signed_in.session.id {
        jar.add(state.cookies.removal(&state.cookies.session))
    } else {
        jar
    };
    Ok((jar, StatusCode::NO_CONTENT))
}

/// `DELETE /v1/me/external_accounts/{id}`: never the last one, or the user could not sign in.
pub async fn disconnect_account(
    State(state): State<AppState>,
    Session(signed_in): Session,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user_id = &signed_in.session.user_id;
    accounts::delete_account_unless_last(&state.db, user_id, &id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such external account"))?;
    state.users.forget_changed(user_id);
    tracing::info!(external_account_id = %id, "external account disconnected");
    Ok(StatusCode::NO_CONTENT)
}
