//! Sign in with Atlassian: starting an authorization and completing it at the callback.
//! Nothing is written until every check has passed; then the user, the external account and
//! the session are written in one transaction.

use subtle::ConstantTimeEq;
use url::Url;
use vestibule_core::api::OAuthIntent;
use vestibule_core::{ErrorCode, ProviderId};

use crate::atlassian::{
    AccessibleResource, AtlassianProfile, Credentials, Pkce, ProviderError, TokenSet,
};
use crate::auth::SignedIn;
use crate::crypto::{random_token, sha256_hex};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::accounts::{self, ExternalAccountRow, UserRow};
use crate::store::flows::{self, FlowRow};
use crate::store::{connections, join_scopes, new_id, sessions};

pub fn parse_intent(value: Option<&str>) -> AppResult<OAuthIntent> {
    match value.unwrap_or("sign_in") {
        "sign_in" => Ok(OAuthIntent::SignIn),
        "sign_up" => Ok(OAuthIntent::SignUp),
        "connect" => Ok(OAuthIntent::Connect),
        _ => Err(AppError::field(
            ErrorCode::InvalidField,
            "intent",
            "intent must be sign_in, sign_up or connect",
        )),
    }
}

/// A started authorization: where to send the browser and the cookie that binds it.
pub struct Started {
    pub authorize_url: Url,
    pub flow_cookie: String,
}

/// The provider's connection, if this intent may use it: "Enable for sign-up and sign-in"
/// gates signing in and up, while connecting another account stays possible. Checked when a
/// flow starts and again when it completes, since an admin may change it in between.
async fn usable_connection(
    state: &AppState,
    provider: ProviderId,
    intent: OAuthIntent,
) -> AppResult<connections::ConnectionRow> {
    let connection = connections::by_provider(&state.db, provider)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::ConnectionNotFound,
                "no connection for this provider",
            )
        })?;
    if intent != OAuthIntent::Connect && !connection.enabled_for_sign_in {
        return Err(AppError::new(
            ErrorCode::ConnectionDisabled,
            "this connection is not enabled for sign-up and sign-in",
        ));
    }
    Ok(connection)
}

pub async fn start(
    state: &AppState,
    provider: &str,
    intent: OAuthIntent,
    redirect_url: Option<&str>,
    signed_in: Option<&SignedIn>,
) -> AppResult<Started> {
    let provider = ProviderId::parse(provider)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownProvider, "no such provider"))?;
    let redirect_url = match redirect_url {
        Some(url) => state.redirects.resolve(url).ok_or_else(|| {
            AppError::field(
                ErrorCode::InvalidRedirectUrl,
                "redirect_url",
                "redirect_url must be a path on this instance or an allowed origin",
            )
        })?,
        None => Url::parse(&state.settings.portal_urls().after_sign_in_url)
            .map_err(|e| AppError::internal(format!("portal URL: {e}")))?,
    };
    let connection = usable_connection(state, provider, intent).await?;
    let user_id = match intent {
        OAuthIntent::Connect => Some(
            signed_in
                .ok_or_else(|| {
                    AppError::new(ErrorCode::Unauthenticated, "sign in to connect an account")
                })?
                .session
                .user_id
                .clone(),
        ),
        OAuthIntent::SignIn | OAuthIntent::SignUp => None,
    };
    let credentials = state.credentials_for(&connection)?;

    let oauth_state = random_token();
    let flow_cookie = random_token();
    let pkce = Pkce::new();
    let authorize_url = state
        .atlassian
        .authorize_url(
            &credentials,
            &state.settings.callback_url(),
            &connection.scope_list(),
            &oauth_state,
            pkce.challenge,
        )
        .map_err(provider_error)?;
    let now = state.clock.now();
    let flow_id = new_id("flow");
    flows::insert(
        &state.db,
        &FlowRow {
            pkce_verifier: flows::seal_verifier(&state.master_key, &flow_id, &pkce.verifier),
            id: flow_id,
            cookie_hash: sha256_hex(&flow_cookie),
            state_hash: sha256_hex(&oauth_state),
            provider: provider.as_str().to_owned(),
            intent: intent.as_str().to_owned(),
            oauth_client_id: credentials.client_id.clone(),
            redirect_url: redirect_url.to_string(),
            user_id,
            created_at: now,
            expires_at: now + flows::LIFETIME_SECS,
        },
    )
    .await?;
    Ok(Started {
        authorize_url,
        flow_cookie,
    })
}

/// What Atlassian's redirect to the callback carried.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A completed sign-in: where to send the browser and, for sign-in, its new session token.
pub struct Completed {
    pub redirect_url: String,
    pub new_session: Option<(String, i64)>,
}

/// Takes the browser's flow and checks `state` against it: once, in constant time, within
/// its lifetime. Returns the flow's intent even when the check fails (for the error page).
pub async fn take_flow(
    state: &AppState,
    flow_cookie: Option<&str>,
    oauth_state: Option<&str>,
) -> (Option<OAuthIntent>, AppResult<FlowRow>) {
    let Some(flow_cookie) = flow_cookie.filter(|c| !c.is_empty()) else {
        return (
            None,
            Err(AppError::new(
                ErrorCode::StateMissing,
                "no sign-in was started in this browser (or its cookie was blocked)",
            )),
        );
    };
    let flow = match flows::take_by_cookie_hash(&state.db, &sha256_hex(flow_cookie)).await {
        Ok(Some(flow)) => flow,
        Ok(None) => {
            return (
                None,
                Err(AppError::new(
                    ErrorCode::StateMismatch,
                    "this sign-in was already completed or abandoned",
                )),
            );
        }
        Err(e) => return (None, Err(e.into())),
    };
    let intent = parse_intent(Some(&flow.intent)).ok();
    let Some(oauth_state) = oauth_state.filter(|s| !s.is_empty()) else {
        return (
            intent,
            Err(AppError::new(
                ErrorCode::StateMissing,
                "the callback carried no state",
            )),
        );
    };
    let matches: bool = sha256_hex(oauth_state)
        .as_bytes()
        .ct_eq(flow.state_hash.as_bytes())
        .into();
    if !matches {
        return (
            intent,
            Err(AppError::new(
                ErrorCode::StateMismatch,
                "state does not match this browser's sign-in",
            )),
        );
    }
    if state.clock.now() >= flow.expires_at {
        return (
            intent,
            Err(AppError::new(
                ErrorCode::StateExpired,
                "this sign-in took longer than 10 minutes",
            )),
        );
    }
    (intent, Ok(flow))
}

/// The rest of the callback, for a flow whose state checked out.
pub async fn complete(
    state: &AppState,
    flow: &FlowRow,
    params: &CallbackParams,
    signed_in: Option<&SignedIn>,
    user_agent: Option<&str>,
) -> AppResult<Completed> {
    let intent = parse_intent(Some(&flow.intent))?;
    if let Some(error) = params.error.as_deref() {
        if error == "access_denied" {
            return Err(AppError::new(
                ErrorCode::AccessDenied,
                "consent was declined",
            ));
        }
        let printable: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(AppError::new(
            ErrorCode::ProviderUnavailable,
            format!("Atlassian answered with error {printable}"),
        ));
    }
    let code = params
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::ProviderUnavailable,
                "the callback carried no code",
            )
        })?;
    let provider = ProviderId::parse(&flow.provider)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownProvider, "no such provider"))?;
    let connection = usable_connection(state, provider, intent).await?;
    let connect_user = match intent {
        OAuthIntent::Connect => {
            let user_id = flow.user_id.as_deref().unwrap_or_default();
            match signed_in {
                Some(s) if s.session.user_id == user_id => Some(user_id.to_owned()),
                _ => {
                    return Err(AppError::new(
                        ErrorCode::Unauthenticated,
                        "the session that started connecting has ended",
                    ));
                }
            }
        }
        OAuthIntent::SignIn | OAuthIntent::SignUp => None,
    };
    let credentials = state
        .credentials_for_client(Some(&connection), &flow.oauth_client_id)?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::StateExpired,
                "the connection's credentials changed during sign-in; start again",
            )
        })?;

    let verifier = flow.open_verifier(&state.master_key)?;
    let mut tokens = state
        .atlassian
        .exchange_code(
            &credentials,
            &state.settings.callback_url(),
            code,
            &verifier,
        )
        .await
        .map_err(|e| match e {
            ProviderError::InvalidGrant => AppError::new(
                ErrorCode::InvalidGrant,
                "Atlassian refused the authorization code (expired or already used)",
            ),
            other => provider_error(other),
        })?;
    if tokens.scopes.is_none() {
        // Atlassian names the granted scopes; should it not, it granted what was asked.
        let mut asked = connection.scope_list();
        asked.extend(
            vestibule_core::provider::ATLASSIAN
                .offline_scope
                .map(str::to_owned),
        );
        tokens.scopes = Some(asked);
    }
    let endpoints = &credentials.endpoints;
    let (profile, resources) = tokio::try_join!(
        state.atlassian.me(endpoints, &tokens.access_token),
        state
            .atlassian
            .accessible_resources(endpoints, &tokens.access_token),
    )
    .map_err(provider_error)?;
    check_profile(&profile)?;
    let site = resources.first().ok_or_else(|| {
        AppError::new(
            ErrorCode::NoAtlassianSite,
            "the Atlassian account has access to no site",
        )
    })?;

    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db).await?;
    let existing = accounts::account_by_provider_id(&mut tx, provider, &profile.account_id).await?;
    let (user_id, account_id) = match (&connect_user, existing) {
        (Some(connect_user), Some(existing)) if existing.user_id != *connect_user => {
            return Err(AppError::new(
                ErrorCode::ExternalAccountTaken,
                "this Atlassian account belongs to another user",
            ));
        }
        (_, Some(existing)) => {
            let row = account_row(
                state,
                &existing.id,
                &existing.user_id,
                existing.created_at,
                &credentials,
                &profile,
                site,
                &tokens,
                now,
            );
            accounts::update_account_after_authorization(&mut tx, &row).await?;
            if accounts::primary_account_id(&mut tx, &existing.user_id)
                .await?
                .as_deref()
                == Some(existing.id.as_str())
            {
                accounts::update_user_profile(
                    &mut tx,
                    &user_row(&existing.user_id, &profile, now, now),
                )
                .await?;
            }
            (existing.user_id, existing.id)
        }
        (Some(connect_user), None) => {
            let id = new_id("eac");
            let row = account_row(
                state,
                &id,
                connect_user,
                now,
                &credentials,
                &profile,
                site,
                &tokens,
                now,
            );
            accounts::insert_account(&mut tx, &row).await?;
            (connect_user.clone(), id)
        }
        (None, None) => {
            // Sign-in for an unknown account becomes a sign-up.
            let user = user_row(&new_id("user"), &profile, now, now);
            accounts::insert_user(&mut tx, &user).await?;
            let id = new_id("eac");
            let row = account_row(
                state,
                &id,
                &user.id,
                now,
                &credentials,
                &profile,
                site,
                &tokens,
                now,
            );
            accounts::insert_account(&mut tx, &row).await?;
            (user.id, id)
        }
    };
    let new_session = match intent {
        OAuthIntent::Connect => None,
        OAuthIntent::SignIn | OAuthIntent::SignUp => {
            if let Some(old) = signed_in {
                sessions::end_by_token_in(&mut tx, &old.token).await?;
            }
            let (token, session) = sessions::create(
                &mut tx,
                &user_id,
                user_agent,
                now,
                state.settings.session_lifetime,
            )
            .await?;
            Some((token, session.expires_at - now))
        }
    };
    tx.commit().await?;
    state.users.forget(&user_id);
    if let (Some(old), Some(_)) = (signed_in, &new_session) {
        state.sessions.forget_token(&old.token);
    }
    tracing::info!(%user_id, external_account_id = %account_id, intent = intent.as_str(), "sign-in completed");
    Ok(Completed {
        redirect_url: flow.redirect_url.clone(),
        new_session,
    })
}

fn check_profile(profile: &AtlassianProfile) -> AppResult<()> {
    if profile.account_id.is_empty() || profile.account_id.len() > 256 {
        return Err(AppError::new(
            ErrorCode::ProviderUnavailable,
            "Atlassian's profile had no account id",
        ));
    }
    match profile.account_status.as_deref() {
        None | Some("active") => Ok(()),
        Some(_) => Err(AppError::new(
            ErrorCode::AccountInactive,
            "the Atlassian account is closed or deactivated",
        )),
    }
}

fn user_row(id: &str, profile: &AtlassianProfile, created_at: i64, now: i64) -> UserRow {
    UserRow {
        id: id.to_owned(),
        name: profile.name.clone(),
        email: profile.email.clone(),
        email_verified: profile.email_verified.unwrap_or(false),
        avatar_url: profile.picture.clone(),
        created_at,
        updated_at: now,
    }
}

#[allow(clippy::too_many_arguments)]
fn account_row(
    state: &AppState,
    id: &str,
    user_id: &str,
    created_at: i64,
    credentials: &Credentials,
    profile: &AtlassianProfile,
    site: &AccessibleResource,
    tokens: &TokenSet,
    now: i64,
) -> ExternalAccountRow {
    let key = &state.master_key;
    ExternalAccountRow {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        provider: ProviderId::Atlassian.as_str().to_owned(),
        provider_account_id: profile.account_id.clone(),
        email: profile.email.clone(),
        email_verified: profile.email_verified.unwrap_or(false),
        name: profile.name.clone(),
        avatar_url: profile.picture.clone(),
        site_id: Some(site.id.clone()),
        site_name: Some(site.name.clone()),
        site_url: Some(site.url.clone()),
        site_avatar_url: site.avatar_url.clone(),
        scopes: join_scopes(tokens.scopes.as_deref().unwrap_or_default()),
        oauth_client_id: credentials.client_id.clone(),
        access_token: accounts::seal_access_token(key, id, &tokens.access_token),
        access_token_expires_at: now + tokens.expires_in.as_secs() as i64,
        refresh_token: tokens
            .refresh_token
            .as_deref()
            .map(|t| accounts::seal_refresh_token(key, id, t)),
        reconnect_needed: false,
        created_at,
        updated_at: now,
    }
}

pub fn provider_error(e: ProviderError) -> AppError {
    match e {
        ProviderError::InvalidGrant => {
            AppError::new(ErrorCode::InvalidGrant, "Atlassian refused the grant")
        }
        ProviderError::Unavailable(why) => {
            tracing::warn!(%why, "Atlassian unavailable");
            AppError::new(
                ErrorCode::ProviderUnavailable,
                "Atlassian did not answer properly; try again in a moment",
            )
        }
    }
}
