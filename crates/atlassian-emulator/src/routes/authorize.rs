//! `GET /auth/authorize` (validation, consent page or auto consent) and `POST /auth/authorize/consent`.

use std::sync::Arc;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{error_page, html_page, redirect};
use crate::control::Shared;
use crate::pages::{self, ConsentPage};
use crate::store::{
    AuthorizeParams, Consent, ConsentError, PendingAuthorization, Store, redirect_with,
};

pub(super) async fn authorize(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_request",
            "The query string could not be read",
        );
    };
    let now = shared.now();
    let mut store = shared.store();
    let request = match store.validate_authorization(&params) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(error = error.error, description = %error.description, "authorization request refused");
            return html_page(
                StatusCode::BAD_REQUEST,
                pages::error_page(
                    error.error,
                    error.reason,
                    &error.description,
                    &error.invalid_scopes,
                ),
            );
        }
    };

    if let Some(consent) = store.automatic_consent(&request) {
        tracing::info!(client_id = %request.client_id, account_id = %consent.account_id, "consent given automatically");
        return match store.issue_code(&request, &consent, now) {
            Ok(location) => redirect(StatusCode::FOUND, &location),
            Err(error) => consent_error_page(&error),
        };
    }

    let selected_account = request
        .login_hint
        .as_deref()
        .and_then(|hint| store.account_by_hint(hint))
        .map(|a| a.account_id.clone());
    let pending_id = store.create_pending(request, now);
    let Some(pending) = store.pending(&pending_id, now).cloned() else {
        unreachable!("a pending authorization created a moment ago is there");
    };
    render_consent(
        &store,
        &pending_id,
        &pending,
        selected_account.as_deref(),
        None,
        None,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct ConsentForm {
    pending: String,
    account_id: Option<String>,
    site_id: Option<String>,
    decision: Option<String>,
}

pub(super) async fn consent(
    State(shared): State<Arc<Shared>>,
    form: Result<Form<ConsentForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_request",
            "The consent form could not be read",
        );
    };
    let now = shared.now();
    let mut store = shared.store();
    // Everything but the person's choice comes from the server-side pending authorization.
    let Some(pending) = store.pending(&form.pending, now).cloned() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expired_request",
            "This authorization request has expired or was already answered. Start signing in again from the app.",
        );
    };
    let request = &pending.request;

    match form.decision.as_deref() {
        Some("cancel") => {
            store.take_pending(&form.pending, now);
            tracing::info!(client_id = %request.client_id, "consent refused");
            let mut params = vec![
                ("error", "access_denied"),
                ("error_description", "User did not authorize the request"),
            ];
            if let Some(state) = request.state.as_deref() {
                params.push(("state", state));
            }
            redirect(
                StatusCode::SEE_OTHER,
                &redirect_with(&request.redirect_uri, &params),
            )
        }
        Some("accept") => {
            let account_id = form.account_id.filter(|a| !a.is_empty());
            let site_id = form.site_id.filter(|s| !s.is_empty());
            let Some(account_id) = account_id else {
                return render_consent(
                    &store,
                    &form.pending,
                    &pending,
                    None,
                    site_id.as_deref(),
                    Some("Choose an account to continue."),
                    StatusCode::BAD_REQUEST,
                );
            };
            let consent = Consent {
                account_id: account_id.clone(),
                site_id: site_id.clone(),
            };
            match store.issue_code(request, &consent, now) {
                Ok(location) => {
                    store.take_pending(&form.pending, now);
                    tracing::info!(client_id = %request.client_id, %account_id, "consent given");
                    redirect(StatusCode::SEE_OTHER, &location)
                }
                Err(error @ (ConsentError::NotShared { .. } | ConsentError::PendingNotFound)) => {
                    consent_error_page(&error)
                }
                Err(error) => {
                    let name = store
                        .account(&account_id)
                        .map_or_else(|| "this account".to_owned(), |a| a.name.clone());
                    let message = match error {
                        ConsentError::SiteRequired => {
                            format!("Choose one of {name}'s sites to continue.")
                        }
                        ConsentError::SiteNotOfAccount => {
                            format!(
                                "That site does not belong to {name}. Choose one of {name}'s sites."
                            )
                        }
                        _ => "Choose one of the accounts listed.".to_owned(),
                    };
                    render_consent(
                        &store,
                        &form.pending,
                        &pending,
                        Some(&account_id),
                        site_id.as_deref(),
                        Some(&message),
                        StatusCode::BAD_REQUEST,
                    )
                }
            }
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_request",
            "Choose Accept or Cancel.",
        ),
    }
}

fn render_consent(
    store: &Store,
    pending_id: &str,
    pending: &PendingAuthorization,
    selected_account: Option<&str>,
    selected_site: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let Some(app) = store.app(&pending.request.client_id) else {
        return consent_error_page(&ConsentError::PendingNotFound);
    };
    let html = ConsentPage {
        pending_id,
        app,
        scopes: &pending.request.scopes,
        accounts: store.accounts(),
        selected_account,
        selected_site,
        error,
    }
    .render();
    html_page(status, html)
}

fn consent_error_page(error: &ConsentError) -> Response {
    match error {
        ConsentError::NotShared { app_name } => error_page(
            StatusCode::FORBIDDEN,
            "access_denied",
            "not_shared",
            &format!(
                "{app_name} is not shared, so only its owner can authorize it. \
                 Its developer must turn on sharing in the developer console."
            ),
        ),
        ConsentError::PendingNotFound => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expired_request",
            "This authorization request has expired or was already answered. Start signing in again from the app.",
        ),
        ConsentError::UnknownAccount => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_auto_consent",
            "The account chosen for automatic consent does not exist in the emulator.",
        ),
        ConsentError::SiteRequired | ConsentError::SiteNotOfAccount => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_auto_consent",
            "The site chosen for automatic consent is not one of the account's sites.",
        ),
    }
}
