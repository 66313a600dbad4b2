//! `<SignIn/>` mounted in headless Chromium against a stubbed `fetch`.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use support::*;
use vestibule_components::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn shows_one_button_per_connection_that_starts_the_oauth_flow() {
    let server = FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT);
    server.install();
    let (nav, navigated) = capture_navigation();
    let root = mount(move || {
        view! {
            <VestibuleProvider frontend_api="https://vst.test" navigate=nav>
                <SignIn redirect_url="https://app.test/after"/>
            </VestibuleProvider>
        }
    });
    settle().await;

    let button = find(&root, "sign-in-button-atlassian");
    assert_eq!(
        button.text_content().unwrap().trim(),
        "Continue with Atlassian"
    );
    let expected = "https://vst.test/v1/oauth/atlassian/start?intent=sign_in\
                    &redirect_url=https%3A%2F%2Fapp.test%2Fafter";
    assert_eq!(button.get_attribute("href").as_deref(), Some(expected));
    assert_eq!(count(&root, "[data-testid^='sign-in-button-']"), 1);
    assert_eq!(text(&root, "sign-in-title"), "Sign in to Acme");

    click(&button);
    settle().await;
    assert_eq!(navigated.get_untracked(), vec![expected.to_owned()]);
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("true"));
}
