//! The API host: `GET /api/me`, `GET /api/oauth/token/accessible-resources`, and the avatars they point at.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::control::Shared;
use crate::model::ExtendedProfile;
use crate::pages;
use crate::store::{BearerError, OFFLINE_ACCESS, READ_ME};

/// `Authorization: Bearer <token>`, the scheme matched case-insensitively.
pub(super) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub(super) fn bearer_error(error: BearerError) -> Response {
    match error {
        BearerError::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(json!({ "code": 401, "message": "Unauthorized" })),
        )
            .into_response(),
        BearerError::MissingScope => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "code": 403, "message": "Forbidden; scope does not match" })),
        )
            .into_response(),
        BearerError::SiteNotGranted => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({
                "code": 403,
                "message": "Forbidden; the token does not grant access to this site",
            })),
        )
            .into_response(),
    }
}

#[derive(Debug, Serialize)]
struct Me {
    account_type: &'static str,
    account_id: String,
    email: String,
    email_verified: bool,
    name: String,
    picture: String,
    account_status: &'static str,
    nickname: String,
    zoneinfo: String,
    locale: String,
    extended_profile: ExtendedProfile,
}

pub(super) async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let now = shared.now();
    let authenticated =
        shared
            .store()
            .authenticate_bearer(bearer_token(&headers), Some(READ_ME), now);
    match authenticated {
        Ok(auth) => {
            let account = auth.account;
            axum::Json(Me {
                account_type: "atlassian",
                picture: shared.asset_url(&account.picture, &account.account_id),
                account_status: account.status.as_str(),
                account_id: account.account_id,
                email: account.email,
                email_verified: account.email_verified,
                name: account.name,
                nickname: account.nickname,
                zoneinfo: account.zoneinfo,
                locale: account.locale,
                extended_profile: account.extended_profile,
            })
            .into_response()
        }
        Err(error) => bearer_error(error),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessibleResource {
    id: String,
    url: String,
    name: String,
    scopes: Vec<String>,
    avatar_url: String,
}

pub(super) async fn accessible_resources(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let now = shared.now();
    let authenticated = shared
        .store()
        .authenticate_bearer(bearer_token(&headers), None, now);
    match authenticated {
        Ok(auth) => {
            let scopes: Vec<String> = auth
                .scopes
                .into_iter()
                .filter(|s| s != OFFLINE_ACCESS)
                .collect();
            let resources: Vec<AccessibleResource> = auth
                .site
                .into_iter()
                .map(|site| AccessibleResource {
                    avatar_url: shared.asset_url(&site.avatar_url, &site.id),
                    id: site.id,
                    url: site.url,
                    name: site.name,
                    scopes: scopes.clone(),
                })
                .collect();
            axum::Json(resources).into_response()
        }
        Err(error) => bearer_error(error),
    }
}

/// `GET /avatars/{key}`: initials on a coloured disc for an account id or a site id.
pub(super) async fn avatar(State(shared): State<Arc<Shared>>, Path(key): Path<String>) -> Response {
    let label = {
        let store = shared.store();
        store.accounts().iter().find_map(|account| {
            if account.account_id == key {
                Some(account.name.clone())
            } else {
                account
                    .sites
                    .iter()
                    .find(|s| s.id == key)
                    .map(|s| s.name.clone())
            }
        })
    };
    match label {
        Some(label) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            pages::avatar_svg(&label, &key),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
