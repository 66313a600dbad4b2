//! `grant_type=refresh_token` over real HTTP: rotation, the 10-minute reuse leeway, family revocation, and
//! the 90-day inactivity and 365-day absolute limits, all through the virtual clock.

mod support;

use std::time::Duration;

use atlassian_emulator::{OAuthApp, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, REDIRECT_URI, access_token, refresh_token};

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn assert_unknown_refresh_token(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "error": "invalid_grant", "error_description": "Unknown or invalid refresh token." })
    );
}

async fn refreshed(h: &Harness, token: &str) -> Value {
    let response = h.refresh(token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn signed_in(h: &Harness) -> Value {
    h.sign_in(
        demo::ACCOUNT_DEFAULT,
        Some(demo::SITE_DEFAULT),
        "read:me offline_access",
    )
    .await
}

#[tokio::test]
async fn each_refresh_returns_a_new_pair() {
    let h = Harness::demo().await;
    let first = signed_in(&h).await;
    let second = refreshed(&h, refresh_token(&first)).await;
    assert_ne!(access_token(&second), access_token(&first));
    assert_ne!(refresh_token(&second), refresh_token(&first));
    assert_eq!(second["scope"], "read:me offline_access");
    assert_eq!(second["expires_in"], 3600);
    assert_eq!(second["token_type"], "Bearer");
    assert_eq!(h.me(access_token(&second)).await.status(), StatusCode::OK);
    let third = refreshed(&h, refresh_token(&second)).await;
    assert_ne!(refresh_token(&third), refresh_token(&second));
    let issued = h.control.issued();
    assert_eq!(issued.refresh_tokens_rotated, 2);
    assert_eq!(issued.refresh_tokens_issued, 3);
    assert_eq!(issued.access_tokens_issued, 3);
}

#[tokio::test]
async fn a_refresh_works_with_a_form_body_too() {
    let h = Harness::demo().await;
    let first = signed_in(&h).await;
    let response = h
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", demo::CLIENT_ID),
            ("client_secret", demo::CLIENT_SECRET),
            ("refresh_token", refresh_token(&first)),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert_ne!(refresh_token(&tokens), refresh_token(&first));
}

#[tokio::test]
async fn an_older_refresh_token_still_works_within_the_leeway() {
    let h = Harness::demo().await;
    let first = signed_in(&h).await;
    let _second = refreshed(&h, refresh_token(&first)).await;
    h.control.advance_clock(Duration::from_secs(9 * 60));
    let again = refreshed(&h, refresh_token(&first)).await;
    assert_eq!(h.me(access_token(&again)).await.status(), StatusCode::OK);
    // The pair handed out by the reuse is a normal, working pair.
    let next = refreshed(&h, refresh_token(&again)).await;
    assert_eq!(h.me(access_token(&next)).await.status(), StatusCode::OK);
    assert_eq!(h.control.issued().families_revoked, 0);
}

#[tokio::test]
async fn reuse_after_the_leeway_revokes_the_whole_family() {
    let h = Harness::demo().await;
    let first = signed_in(&h).await;
    let second = refreshed(&h, refresh_token(&first)).await;
    h.control.advance_clock(Duration::from_secs(10 * 60 + 1));
    assert_unknown_refresh_token(h.refresh(refresh_token(&first)).await).await;
    // The newest refresh token and the access token issued with it are gone too.
    assert_unknown_refresh_token(h.refresh(refresh_token(&second)).await).await;
    assert_eq!(
        h.me(access_token(&second)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(h.control.issued().families_revoked, 1);

    // Another sign-in is a new family and is unaffected.
    let other = signed_in(&h).await;
    refreshed(&h, refresh_token(&other)).await;
}

#[tokio::test]
async fn ninety_days_without_a_refresh_end_the_family() {
    let h = Harness::demo().await;
    let idle_89 = signed_in(&h).await;
    let idle_90 = signed_in(&h).await;
    h.control.advance_clock(89 * DAY);
    let kept = refreshed(&h, refresh_token(&idle_89)).await;
    h.control.advance_clock(DAY);
    assert_unknown_refresh_token(h.refresh(refresh_token(&idle_90)).await).await;
    // The family that refreshed a day ago is alive: the inactivity clock restarted.
    refreshed(&h, refresh_token(&kept)).await;
    assert_eq!(h.control.issued().families_revoked, 1);
}

#[tokio::test]
async fn a_family_ends_365_days_after_consent_however_often_it_refreshes() {
    let h = Harness::demo().await;
    let mut tokens = signed_in(&h).await;
    for _ in 0..4 {
        h.control.advance_clock(80 * DAY);
        tokens = refreshed(&h, refresh_token(&tokens)).await;
    }
    // Day 320 was the last refresh; day 365 ends the family although it was used 45 days ago.
    h.control.advance_clock(45 * DAY);
    assert_unknown_refresh_token(h.refresh(refresh_token(&tokens)).await).await;
    assert_eq!(h.control.issued().families_revoked, 1);
}

#[tokio::test]
async fn a_refresh_token_is_bound_to_its_client_and_secret() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new("other-app", "other-secret", "Other", demo::ACCOUNT_DEFAULT)
            .with_redirect_uri(REDIRECT_URI),
    );
    let tokens = signed_in(&h).await;
    let other = h
        .token_json(json!({ "grant_type": "refresh_token", "client_id": "other-app",
                            "client_secret": "other-secret", "refresh_token": refresh_token(&tokens) }))
        .await;
    assert_unknown_refresh_token(other).await;
    let wrong_secret = h
        .token_json(
            json!({ "grant_type": "refresh_token", "client_id": demo::CLIENT_ID,
                            "client_secret": "nope", "refresh_token": refresh_token(&tokens) }),
        )
        .await;
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    assert_unknown_refresh_token(h.refresh("not-a-token").await).await;
    // None of that hurt the family.
    refreshed(&h, refresh_token(&tokens)).await;
}
