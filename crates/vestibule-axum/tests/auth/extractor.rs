//! The extractors in a real axum app: 401 JSON with a stable code, the bearer header or the
//! `__session` cookie, and `Option<SignedInUser>` for pages that work signed out too.

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vestibule_axum::{SignedInUser, VestibuleAuth};
use vestibule_core::{ApiError, ErrorCode};

use crate::support::{Instance, claims};

#[derive(Clone, FromRef)]
struct AppState {
    auth: VestibuleAuth,
}

fn app(auth: VestibuleAuth) -> Router {
    Router::new()
        .route(
            "/api/me",
            get(|user: SignedInUser| async move { user.user_id }),
        )
        .route(
            "/",
            get(|user: Option<SignedInUser>| async move {
                user.map_or("signed out".to_owned(), |u| format!("hello {}", u.user_id))
            }),
        )
        .with_state(AppState { auth })
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(header::HeaderName, String)],
) -> (StatusCode, String) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn code_of(body: &str) -> ErrorCode {
    serde_json::from_str::<ApiError>(body).unwrap().code
}

#[tokio::test]
async fn the_extractor_reads_the_bearer_header_or_the_session_cookie() {
    let instance = Instance::start().await;
    let app = app(instance.auth());
    let token = instance.token();

    let (status, body) = call(&app, "/api/me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code_of(&body), ErrorCode::TokenMissing);

    let bearer = [(header::AUTHORIZATION, format!("Bearer {token}"))];
    assert_eq!(
        call(&app, "/api/me", &bearer).await,
        (StatusCode::OK, "user_1".into())
    );

    let cookie = [(header::COOKIE, format!("theme=dark; __session={token}"))];
    assert_eq!(
        call(&app, "/api/me", &cookie).await,
        (StatusCode::OK, "user_1".into())
    );

    let mut expired = claims(&instance.issuer);
    expired.exp = crate::support::now() - 30;
    let expired = instance.key.sign(&expired);
    let (status, body) = call(
        &app,
        "/api/me",
        &[(header::AUTHORIZATION, format!("Bearer {expired}"))],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code_of(&body), ErrorCode::TokenExpired);

    // A bad bearer header is not rescued by a good cookie.
    let both = [
        (header::AUTHORIZATION, "Bearer garbage".to_owned()),
        (header::COOKIE, format!("__session={token}")),
    ];
    let (status, body) = call(&app, "/api/me", &both).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code_of(&body), ErrorCode::TokenInvalid);
}

#[tokio::test]
async fn the_optional_extractor_treats_a_refused_token_as_signed_out() {
    let instance = Instance::start().await;
    let app = app(instance.auth());
    assert_eq!(
        call(&app, "/", &[]).await,
        (StatusCode::OK, "signed out".into())
    );
    let forged = [(header::AUTHORIZATION, "Bearer a.b.c".to_owned())];
    assert_eq!(
        call(&app, "/", &forged).await,
        (StatusCode::OK, "signed out".into())
    );
    let good = [(
        header::AUTHORIZATION,
        format!("Bearer {}", instance.token()),
    )];
    assert_eq!(
        call(&app, "/", &good).await,
        (StatusCode::OK, "hello user_1".into())
    );
}
