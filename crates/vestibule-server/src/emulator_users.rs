//! Users made from the development emulator's seeded accounts (`POST /v1/users`), so that a
//! test can have a user without a browser. The user is a real one: the server runs the same
//! authorization-code flow a browser would (start, the emulator's consent by `login_hint`,
//! code exchange, the account-link rules), so it holds tokens that work against the
//! emulator's Jira. Only no session is opened: no browser would ever hold it.

use axum::http::StatusCode;
use vestibule_core::api::{InstanceEnvironment, OAuthIntent};
use vestibule_core::{ErrorCode, ProviderId};

use crate::db;
use crate::error::{AppError, AppResult};
use crate::signin::{self, CallbackParams, Linked};
use crate::state::AppState;
use crate::store::accounts::AuthorizedAccount;
use crate::store::flows::FlowRow;

/// Longer than any e-mail address or Atlassian account id.
const MAX_ACCOUNT_LEN: usize = 256;

/// The user of the emulator account `hint` names (an e-mail address or an account id), made
/// now or found linked already; `true` when it was made now.
pub async fn create(state: &AppState, hint: &str) -> AppResult<(String, bool)> {
    if state.settings.environment != InstanceEnvironment::Development {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "POST /v1/users is available on development instances only",
        ));
    }
    let hint = hint.trim();
    if hint.is_empty()
        || hint.len() > MAX_ACCOUNT_LEN
        || hint.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(AppError::field(
            ErrorCode::InvalidField,
            "emulator_account",
            "emulator_account must be the e-mail address or account id of an emulator account",
        ));
    }
    let (params, flow) = consent_without_browser(state, hint).await?;
    let linked = link(state, &params, &flow, hint).await?;
    tracing::info!(
        user_id = %linked.user_id,
        external_account_id = %linked.account_id,
        created = linked.created,
        "user made from an emulator account"
    );
    Ok((linked.user_id, linked.created))
}

/// An unknown account: the body is well formed, but names nothing the emulator has.
fn unknown_account() -> AppError {
    AppError::Known {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: ErrorCode::InvalidField,
        message: "no seeded emulator account has this e-mail address or account id".to_owned(),
        field: Some("emulator_account".to_owned()),
    }
}

/// Starts a sign-in with `login_hint` and opens its authorization URL: the callback's
/// parameters (a code and the flow's state) and the flow, taken, as the callback would.
async fn consent_without_browser(
    state: &AppState,
    hint: &str,
) -> AppResult<(CallbackParams, FlowRow)> {
    let started = signin::start(
        state,
        ProviderId::Atlassian.as_str(),
        OAuthIntent::SignIn,
        None,
        None,
    )
    .await?;
    let mut authorize_url = started.authorize_url;
    authorize_url
        .query_pairs_mut()
        .append_pair("login_hint", hint);
    let redirected = state
        .atlassian
        .authorize_without_browser(&authorize_url)
        .await?;
    let callback_url = state.settings.callback_url();
    let Some(callback) = redirected.filter(|url| {
        url.as_str()
            .split(['?', '#'])
            .next()
            .is_some_and(|base| base == callback_url)
    }) else {
        // The provider wants a person (the hint named no account): the flow ends here.
        let _ = signin::take_flow(state, Some(&started.flow_cookie), None).await;
        return Err(unknown_account());
    };
    let mut params = CallbackParams::default();
    for (name, value) in callback.query_pairs() {
        match name.as_ref() {
            "code" => params.code = Some(value.into_owned()),
            "state" => params.state = Some(value.into_owned()),
            "error" => params.error = Some(value.into_owned()),
            _ => {}
        }
    }
    let flow =
        signin::take_flow(state, Some(&started.flow_cookie), params.state.as_deref()).await?;
    Ok((params, flow))
}

/// The callback's work without its session: the code exchanged, the account checked to be
/// the one asked for, then linked (a new user, or the known one brought up to date).
async fn link(
    state: &AppState,
    params: &CallbackParams,
    flow: &FlowRow,
    hint: &str,
) -> AppResult<Linked> {
    let code = signin::callback_code(params)?;
    let connection = signin::usable_connection(state, flow.provider, flow.intent).await?;
    let account = signin::authorize(state, flow, &connection, code).await?;
    // A fixed auto consent (set by a test through the emulator's admin API) answers for any
    // hint: only the account asked for may become the user.
    if !is_account(&account, hint) {
        return Err(unknown_account());
    }
    let mut tx = db::begin_write(&state.db).await?;
    let linked = signin::link_account(&mut tx, state, &account, None, state.clock.now()).await?;
    // As at sign-in: a banned user's account is neither refreshed nor handed out (dropping
    // the transaction keeps the tokens this flow got out of the database).
    if crate::store::user_bans::is_banned_in(&mut tx, &linked.user_id).await? {
        return Err(AppError::new(ErrorCode::UserBanned, "this user is banned"));
    }
    tx.commit().await?;
    state.users.forget_changed(&linked.user_id);
    Ok(linked)
}

fn is_account(account: &AuthorizedAccount, hint: &str) -> bool {
    account.provider_account_id == hint
        || account
            .profile
            .email
            .as_deref()
            .is_some_and(|email| email.eq_ignore_ascii_case(hint))
}
