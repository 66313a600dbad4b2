//! Vestibule for an app's own axum backend: who is calling, and their Atlassian token.
//!
//! The browser (the component kit's `get_token()`) sends a short-lived session token minted
//! by the Vestibule instance, as `Authorization: Bearer <jwt>` or as the `__session` cookie
//! on the app's own origin. [`VestibuleAuth`] verifies it without a network round trip: the
//! instance's JWKS is fetched once, cached, and refetched on an unknown key id at most once
//! per interval. The [`SignedInUser`] extractor answers 401 with a stable code ([`AuthError`])
//! when the token is missing, expired, not yet valid, forged, for another instance or from an
//! origin the app did not list. [`Backend`] calls the instance's backend API with the secret
//! key: the user, and a fresh Atlassian access token with the API URL to call.
//!
//! ```no_run
//! use axum::extract::{FromRef, State};
//! use axum::routing::get;
//! use axum::{Json, Router};
//! use vestibule_axum::{Backend, SignedInUser, VestibuleAuth};
//! use vestibule_core::ProviderId;
//!
//! #[derive(Clone, FromRef)]
//! struct AppState {
//!     auth: VestibuleAuth,
//!     backend: Backend,
//! }
//!
//! /// Only signed-in users from the app's own pages get here.
//! async fn my_site(
//!     user: SignedInUser,
//!     State(backend): State<Backend>,
//! ) -> Result<Json<serde_json::Value>, String> {
//!     let token = backend
//!         .oauth_access_token(&user.user_id, ProviderId::Atlassian)
//!         .await
//!         .map_err(|e| e.to_string())?;
//!     Ok(Json(serde_json::json!({
//!         "site_id": user.site_id,
//!         "jira": format!("{}/ex/jira/{}/rest/api/3", token.api_url, token.site_id.unwrap_or_default()),
//!     })))
//! }
//!
//! # async fn run() {
//! let vestibule: url::Url = "https://auth.example.com".parse().unwrap();
//! let state = AppState {
//!     auth: VestibuleAuth::new(vestibule.clone()).authorized_parties(["https://app.example.com"]),
//!     backend: Backend::new(vestibule, std::env::var("VESTIBULE_SECRET_KEY").unwrap()),
//! };
//! let app = Router::new()
//!     .route("/api/my-site", get(my_site))
//!     .with_state(state);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! The `__session` cookie is sent on every request to the app's origin, form posts from
//! other sites included (when it is not `SameSite=Strict`): for routes that change something,
//! require the bearer header or check `Origin` as well.

mod backend;
mod error;
mod extract;
mod verified_tokens;
mod verify;

pub use backend::{Backend, BackendError, Users};
pub use error::AuthError;
pub use verify::{SignedInUser, VestibuleAuth};
