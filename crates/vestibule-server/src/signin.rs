//! Sign in with Atlassian: starting an authorization and completing it at the callback.
//!
//! The callback reads top to bottom: [`take_flow`] (this browser's flow, `state` checked),
//! then [`complete`]: the callback's code, [`authorize`] (network only: the code for tokens,
//! the profile, the site; nothing written), [`link_account`] (the account-link rules) and
//! [`open_session`], both inside one transaction that is committed only when all passed.

use subtle::ConstantTimeEq;
use url::Url;
use vestibule_core::api::{AtlassianSite, OAuthIntent};
use vestibule_core::{ErrorCode, ProviderId};

use crate::atlassian::{AccessibleResource, AtlassianProfile, Pkce, ProviderError};
use crate::auth::SignedIn;
use crate::crypto::{random_token, sha256_hex};
use crate::db::{self, Tx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::accounts::{self, AuthorizedAccount, FreshTokens, Profile};
use crate::store::flows::{self, FlowRow, NewFlow};
use crate::store::{connections, sessions, user_bans};

/// The `intent` query parameter; absent means signing in.
pub fn parse_intent(value: Option<&str>) -> AppResult<OAuthIntent> {
    OAuthIntent::parse(value.unwrap_or("sign_in")).ok_or_else(|| {
        AppError::field(
            ErrorCode::InvalidField,
            "intent",
            "intent must be sign_in, sign_up or connect",
        )
    })
}

/// A started authorization: where to send the browser and the cookie that binds it.
pub struct Started {
    pub authorize_url: Url,
    pub flow_cookie: String,
}

/// The provider's connection, if this intent may use it: "Enable for sign-up and sign-in"
/// gates signing in and up, while connecting another account stays possible. Checked when a
/// flow starts and again when it completes, since an admin may change it in between.
pub(crate) async fn usable_connection(
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

/// Where a browser goes once signed in: `requested` when the redirect policy allows it
/// (refused with `invalid_redirect_url` otherwise), else the portal's page after sign-in.
pub fn redirect_after_sign_in(state: &AppState, requested: Option<&str>) -> AppResult<Url> {
    match requested {
        Some(url) => state.redirects.resolve(url).ok_or_else(|| {
            AppError::field(
                ErrorCode::InvalidRedirectUrl,
                "redirect_url",
                "redirect_url must be a path on this instance or an allowed origin",
            )
        }),
        None => Url::parse(&state.settings.portal_urls().after_sign_in_url)
            .map_err(|e| AppError::internal(format!("portal URL: {e}"))),
    }
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
    let redirect_url = redirect_after_sign_in(state, redirect_url)?;
    let connection = usable_connection(state, provider, intent).await?;
    let user_id = match intent {
        OAuthIntent::Connect => Some(
            signed_in
                .ok_or_else(|| {
                    AppError::new(ErrorCode::Unauthenticated, "sign in to connect an account")
                })?
                .session
                .user_id
                .as_str(),
        ),
        OAuthIntent::SignIn | OAuthIntent::SignUp => None,
    };
    let credentials = state.credentials_for(&connection)?;

    let oauth_state = random_token();
    let flow_cookie = random_token();
    let pkce = Pkce::new();
    let authorize_url = state.atlassian.authorize_url(
        &credentials,
        &state.settings.callback_url(),
        &connection.scope_list(),
        &oauth_state,
        pkce.challenge,
    )?;
    let flow = NewFlow {
        flow_cookie: &flow_cookie,
        oauth_state: &oauth_state,
        pkce_verifier: &pkce.verifier,
        provider,
        intent,
        oauth_client_id: &credentials.client_id,
        redirect_url: redirect_url.as_str(),
        user_id,
    };
    flows::insert(&state.db, &state.master_key, &flow, state.clock.now()).await?;
    Ok(Started {
        authorize_url,
        flow_cookie,
    })
}

/// What Atlassian's redirect to the callback carried.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Why a callback found no usable flow. Carries the flow's intent when the flow was found,
/// so that a failed `connect` lands on the profile page.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no sign-in was started in this browser (or its cookie was blocked)")]
    NoCookie,
    #[error("this sign-in was already completed or abandoned")]
    Unknown,
    #[error("the callback carried no state")]
    NoState(OAuthIntent),
    #[error("state does not match this browser's sign-in")]
    StateMismatch(OAuthIntent),
    #[error("this sign-in took longer than 10 minutes")]
    Expired(OAuthIntent),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl FlowError {
    pub fn intent(&self) -> Option<OAuthIntent> {
        match self {
            Self::NoState(intent) | Self::StateMismatch(intent) | Self::Expired(intent) => {
                Some(*intent)
            }
            Self::NoCookie | Self::Unknown | Self::Database(_) => None,
        }
    }
}

impl From<FlowError> for AppError {
    fn from(e: FlowError) -> Self {
        let code = match &e {
            FlowError::NoCookie | FlowError::NoState(_) => ErrorCode::StateMissing,
            FlowError::Unknown | FlowError::StateMismatch(_) => ErrorCode::StateMismatch,
            FlowError::Expired(_) => ErrorCode::StateExpired,
            FlowError::Database(_) => ErrorCode::Internal,
        };
        match e {
            FlowError::Database(e) => e.into(),
            refused => Self::new(code, refused.to_string()),
        }
    }
}

/// Takes the browser's flow and checks `state` against it: once, in constant time, within
/// its lifetime.
pub async fn take_flow(
    state: &AppState,
    flow_cookie: Option<&str>,
    oauth_state: Option<&str>,
) -> Result<FlowRow, FlowError> {
    let flow_cookie = flow_cookie
        .filter(|c| !c.is_empty())
        .ok_or(FlowError::NoCookie)?;
    let flow = flows::take_by_cookie_hash(&state.db, &sha256_hex(flow_cookie))
        .await?
        .ok_or(FlowError::Unknown)?;
    let oauth_state = oauth_state
        .filter(|s| !s.is_empty())
        .ok_or(FlowError::NoState(flow.intent))?;
    let matches: bool = sha256_hex(oauth_state)
        .as_bytes()
        .ct_eq(flow.state_hash.as_bytes())
        .into();
    if !matches {
        return Err(FlowError::StateMismatch(flow.intent));
    }
    if state.clock.now() >= flow.expires_at {
        return Err(FlowError::Expired(flow.intent));
    }
    Ok(flow)
}

/// A completed sign-in: where to send the browser and, for sign-in, its new session token.
pub struct Completed {
    pub redirect_url: String,
    pub new_session: Option<(String, i64)>,
}

/// The rest of the callback, for a flow whose state checked out.
pub async fn complete(
    state: &AppState,
    flow: &FlowRow,
    params: &CallbackParams,
    signed_in: Option<&SignedIn>,
    user_agent: Option<&str>,
) -> AppResult<Completed> {
    let code = callback_code(params)?;
    let connection = usable_connection(state, flow.provider, flow.intent).await?;
    let connect_user = connecting_user(flow, signed_in)?;
    let account = authorize(state, flow, &connection, code).await?;

    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db).await?;
    let linked = link_account(&mut tx, state, &account, connect_user, now).await?;
    if user_bans::is_banned_in(&mut tx, &linked.user_id).await? {
        return Err(AppError::new(ErrorCode::UserBanned, "this user is banned"));
    }
    let new_session = match flow.intent {
        OAuthIntent::Connect => None,
        OAuthIntent::SignIn | OAuthIntent::SignUp => {
            Some(open_session(&mut tx, state, &linked.user_id, signed_in, user_agent, now).await?)
        }
    };
    tx.commit().await?;

    state.users.forget_changed(&linked.user_id);
    if let (Some(old), Some(_)) = (signed_in, &new_session) {
        state.sessions.forget_token(&old.token);
    }
    tracing::info!(
        user_id = %linked.user_id,
        external_account_id = %linked.account_id,
        intent = flow.intent.as_str(),
        "sign-in completed"
    );
    Ok(Completed {
        redirect_url: flow.redirect_url.clone(),
        new_session,
    })
}

/// The authorization code, or why Atlassian sent none.
pub(crate) fn callback_code(params: &CallbackParams) -> AppResult<&str> {
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
    params
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::ProviderUnavailable,
                "the callback carried no code",
            )
        })
}

/// For `connect`: the user who started it, who must still be the one signed in.
fn connecting_user<'a>(
    flow: &'a FlowRow,
    signed_in: Option<&SignedIn>,
) -> AppResult<Option<&'a str>> {
    if flow.intent != OAuthIntent::Connect {
        return Ok(None);
    }
    let user_id = flow.user_id.as_deref().unwrap_or_default();
    match signed_in {
        Some(s) if s.session.user_id == user_id => Ok(Some(user_id)),
        _ => Err(AppError::new(
            ErrorCode::Unauthenticated,
            "the session that started connecting has ended",
        )),
    }
}

/// Network only, nothing written: the code for tokens, then the profile and the first site,
/// checked.
pub(crate) async fn authorize(
    state: &AppState,
    flow: &FlowRow,
    connection: &connections::ConnectionRow,
    code: &str,
) -> AppResult<AuthorizedAccount> {
    let credentials = state
        .credentials_for_client(Some(connection), &flow.oauth_client_id)?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::StateExpired,
                "the connection's credentials changed during sign-in; start again",
            )
        })?;
    let verifier = flow.open_verifier(&state.master_key)?;
    let callback_url = state.settings.callback_url();
    let tokens = state
        .atlassian
        .exchange_code(&credentials, &callback_url, code, &verifier)
        .await
        .map_err(|e| match e {
            ProviderError::InvalidGrant => AppError::new(
                ErrorCode::InvalidGrant,
                "Atlassian refused the authorization code (expired or already used)",
            ),
            other => other.into(),
        })?;
    let endpoints = &credentials.endpoints;
    let (profile, resources) = tokio::try_join!(
        state.atlassian.me(endpoints, &tokens.access_token),
        state
            .atlassian
            .accessible_resources(endpoints, &tokens.access_token),
    )?;
    check_profile(&profile)?;
    let site = resources.into_iter().next().ok_or_else(|| {
        AppError::new(
            ErrorCode::NoAtlassianSite,
            "the Atlassian account has access to no site",
        )
    })?;
    // Atlassian names the granted scopes; should it not, it granted what was asked.
    let scopes = tokens.scopes.unwrap_or_else(|| {
        let mut asked = connection.scope_list();
        asked.extend(flow.provider.info().offline_scope.map(str::to_owned));
        asked
    });
    Ok(AuthorizedAccount {
        provider: flow.provider,
        provider_account_id: profile.account_id.clone(),
        profile: profile_of(profile),
        site: site_of(site),
        scopes,
        oauth_client_id: credentials.client_id,
        tokens: FreshTokens {
            access_token: tokens.access_token,
            access_token_expires_at: state.clock.now() + tokens.expires_in.as_secs() as i64,
            refresh_token: tokens.refresh_token,
        },
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

fn profile_of(profile: AtlassianProfile) -> Profile {
    Profile {
        name: profile.name,
        email: profile.email,
        email_verified: profile.email_verified.unwrap_or(false),
        avatar_url: profile.picture,
    }
}

fn site_of(site: AccessibleResource) -> AtlassianSite {
    AtlassianSite {
        id: site.id,
        name: site.name,
        url: site.url,
        avatar_url: site.avatar_url,
    }
}

/// The user and external account an authorization ended up with.
pub(crate) struct Linked {
    pub user_id: String,
    pub account_id: String,
    /// Whether the authorization made a new user (an account seen for the first time).
    pub created: bool,
}

/// The account-link rules, inside the sign-in's transaction. An account is found by its
/// provider id, never by e-mail. A known account signs its user in and brings its profile up
/// to date; `connect` attaches an unknown account to the signed-in user but never takes one
/// that belongs to another user; signing in with an unknown account makes a new user.
pub(crate) async fn link_account(
    tx: &mut Tx,
    state: &AppState,
    account: &AuthorizedAccount,
    connect_user: Option<&str>,
    now: i64,
) -> AppResult<Linked> {
    let key = &state.master_key;
    let existing =
        accounts::account_by_provider_id(tx, account.provider, &account.provider_account_id)
            .await?;
    match (connect_user, existing) {
        (Some(connect_user), Some(existing)) if existing.user_id != connect_user => {
            Err(AppError::new(
                ErrorCode::ExternalAccountTaken,
                "this Atlassian account belongs to another user",
            ))
        }
        (_, Some(existing)) => {
            accounts::update_authorized_account(tx, key, &existing.id, account, now).await?;
            if accounts::is_primary(tx, &existing.user_id, &existing.id).await? {
                accounts::update_user_profile(tx, &existing.user_id, &account.profile, now).await?;
            }
            Ok(Linked {
                user_id: existing.user_id,
                account_id: existing.id,
                created: false,
            })
        }
        (Some(connect_user), None) => {
            let account_id = accounts::insert_account(tx, key, connect_user, account, now).await?;
            Ok(Linked {
                user_id: connect_user.to_owned(),
                account_id,
                created: false,
            })
        }
        (None, None) => {
            let user_id = accounts::insert_user(tx, &account.profile, now).await?;
            let account_id = accounts::insert_account(tx, key, &user_id, account, now).await?;
            Ok(Linked {
                user_id,
                account_id,
                created: true,
            })
        }
    }
}

/// A new session for `user_id`, replacing the browser's old one; the token and its max age
/// for the cookie.
async fn open_session(
    tx: &mut Tx,
    state: &AppState,
    user_id: &str,
    signed_in: Option<&SignedIn>,
    user_agent: Option<&str>,
    now: i64,
) -> AppResult<(String, i64)> {
    if let Some(old) = signed_in {
        sessions::end_by_token_in(tx, &old.token).await?;
    }
    let lifetime = state.settings.session_lifetime;
    let (token, session) = sessions::create(tx, user_id, user_agent, now, lifetime).await?;
    Ok((token, session.expires_at - now))
}
