//! `<SignIn/>`, `<SignUp/>` and `<SignInButton/>` mounted in headless Chromium against a
//! stubbed `fetch`.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use support::*;
use vestibule_components::vestibule_core::api::OAuthIntent;
use vestibule_components::vestibule_core::{ErrorCode, ProviderId};
use vestibule_components::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn banner_sentence(root: &web_sys::HtmlElement) -> String {
    find(root, "sign-in-error")
        .query_selector(".vst-alert__text")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
}

fn signed_out_server(environment: &str) -> FakeServer {
    let server = FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json(environment),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT);
    server.install();
    server
}

#[wasm_bindgen_test]
async fn shows_one_button_per_connection_that_starts_the_oauth_flow() {
    set_query("");
    signed_out_server("development");
    let (nav, navigated) = capture_navigation();
    let root = mount(move || {
        view! {
            <VestibuleProvider frontend_api="https://vst.test" navigate=nav>
                <SignIn redirect_url="https://app.test/after"/>
            </VestibuleProvider>
        }
    });
    let button = wait_for(&root, "sign-in-button-atlassian").await;
    assert_eq!(
        button.text_content().unwrap().trim(),
        "Continue with Atlassian"
    );
    let expected = "https://vst.test/v1/oauth/atlassian/start?intent=sign_in\
                    &redirect_url=https%3A%2F%2Fapp.test%2Fafter";
    assert_eq!(button.get_attribute("href").as_deref(), Some(expected));
    assert_eq!(count(&root, "[data-testid^='sign-in-button-']"), 1);
    assert_eq!(text(&root, "sign-in-title"), "Sign in to Acme");
    assert!(
        query(&root, "sign-in-dev-badge").is_some(),
        "development instance is marked"
    );
    assert_eq!(
        find(&root, "sign-in-sign-up-link")
            .get_attribute("href")
            .as_deref(),
        Some("https://vst.test/sign-up")
    );

    // Ctrl/cmd-click opens the real link in a new tab: the card keeps out of it.
    assert!(
        !ctrl_click_is_taken_over(&button),
        "a ctrl-click was taken over"
    );
    assert!(navigated.get_untracked().is_empty());
    assert!(button.get_attribute("aria-busy").is_none());

    click(&button);
    wait_until("the click to navigate", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    assert_eq!(navigated.get_untracked(), vec![expected.to_owned()]);
    wait_until("the button to show that it is busy", || {
        find(&root, "sign-in-button-atlassian")
            .get_attribute("aria-busy")
            .as_deref()
            == Some("true")
    })
    .await;
}

#[wasm_bindgen_test]
async fn drop_in_without_provider_is_styled_and_talks_to_its_own_origin() {
    set_query("");
    signed_out_server("production");
    // Earlier tests in this page mounted the stylesheets already: take them out, so that
    // only this card can have put the base sheet back.
    remove_stylesheets();
    let root = mount(|| view! { <SignIn/> });

    let head = document().head().unwrap();
    assert!(
        head.query_selector("style[data-vestibule='base']")
            .unwrap()
            .is_some(),
        "the card mounts its own stylesheet"
    );
    let href = wait_for(&root, "sign-in-button-atlassian")
        .await
        .get_attribute("href")
        .unwrap();
    let card = find(&root, "sign-in");
    // The sheet applies: the card's root gets its custom properties from it.
    let styles = window().get_computed_style(&card).unwrap().unwrap();
    assert!(
        !styles
            .get_property_value("--vst-color-primary")
            .unwrap()
            .trim()
            .is_empty(),
        "no --vst-color-primary on the card"
    );
    assert!(card.class_name().contains("vst-root"));
    assert!(
        href.starts_with("/v1/oauth/atlassian/start?intent=sign_in&redirect_url="),
        "{href}"
    );
    // No ?redirect_url= on the page: the instance's after_sign_in_url.
    assert!(
        href.ends_with("redirect_url=https%3A%2F%2Fapp.test%2F"),
        "{href}"
    );
    assert!(query(&root, "sign-in-dev-badge").is_none());
}

#[wasm_bindgen_test]
async fn no_atlassian_site_error_explains_what_access_is_needed() {
    set_query("?error=no_atlassian_site");
    signed_out_server("development");
    let root = mount(|| view! { <SignIn/> });
    wait_for(&root, "sign-in-button-atlassian").await;
    set_query("");

    let banner = find(&root, "sign-in-error");
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(
        banner.get_attribute("data-error-code").as_deref(),
        Some("no_atlassian_site")
    );
    let sentence = banner.text_content().unwrap();
    assert!(
        sentence.contains("at least one Atlassian site"),
        "{sentence}"
    );
    assert!(sentence.contains("Jira or Confluence"), "{sentence}");
    // The buttons stay, so the person can try again.
    assert!(query(&root, "sign-in-button-atlassian").is_some());

    click(&find(&root, "sign-in-error-dismiss"));
    wait_gone(&root, "sign-in-error").await;
}

#[wasm_bindgen_test]
async fn every_error_code_has_a_sentence_in_every_language() {
    signed_out_server("development");
    for locale in Locale::ALL {
        for code in ErrorCode::ALL {
            set_query(&format!("?error={}", code.as_str()));
            let lc = *locale;
            let root = mount(move || view! { <SignIn locale=lc/> });
            leptos::task::tick().await;
            let shown = banner_sentence(&root);
            let expected = locale.messages().error(*code);
            assert!(!expected.is_empty());
            assert_eq!(shown, expected, "{locale:?} {code}");
            assert_ne!(
                locale.messages().error(*code),
                locale.messages().unexpected_error,
                "{locale:?} {code} falls back to the generic sentence"
            );
            root.remove();
        }
    }
    // German really is German.
    assert_ne!(
        Locale::De.messages().error(ErrorCode::AccessDenied),
        Locale::En.messages().error(ErrorCode::AccessDenied)
    );
    set_query("?error=made_up_code");
    let root = mount(|| view! { <SignIn/> });
    leptos::task::tick().await;
    assert_eq!(
        banner_sentence(&root),
        Locale::En.messages().unexpected_error
    );
    set_query("");
}

#[wasm_bindgen_test]
async fn signed_in_visitor_is_sent_on_instead_of_seeing_the_form() {
    set_query("");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, &signed_in_json())
        .install();
    let (nav, navigated) = capture_navigation();
    let root = mount(move || {
        view! {
            <VestibuleProvider navigate=nav>
                <SignIn redirect_url="https://app.test/home"/>
            </VestibuleProvider>
        }
    });
    wait_until("the signed-in visitor to be sent on", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    assert!(query(&root, "sign-in-button-atlassian").is_none());
    assert!(query(&root, "sign-in-redirecting").is_some());
    assert_eq!(
        navigated.get_untracked(),
        vec!["https://app.test/home".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn a_foreign_redirect_url_in_the_query_is_not_followed() {
    set_query("?redirect_url=https%3A%2F%2Fevil.example%2Fphish");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, &signed_in_json())
        .install();
    let (nav, navigated) = capture_navigation();
    mount(move || view! { <VestibuleProvider navigate=nav><SignIn/></VestibuleProvider> });
    wait_until("the signed-in visitor to be sent on", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    set_query("");
    assert_eq!(
        navigated.get_untracked(),
        vec!["https://app.test/".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn shows_loading_then_a_retry_when_the_environment_fails() {
    set_query("");
    let server = FakeServer::new()
        .route("GET", "/v1/environment", 0, "")
        .route("GET", "/v1/client", 200, SIGNED_OUT);
    server.install();
    let root = mount(|| view! { <SignIn/> });
    // The client answers; the environment never does.
    wait_answered(1).await;
    let loading = find(&root, "sign-in-loading");
    assert_eq!(loading.get_attribute("aria-busy").as_deref(), Some("true"));
    root.remove();

    let server = FakeServer::new()
        .route("GET", "/v1/environment", 1, "")
        .route("GET", "/v1/client", 200, SIGNED_OUT);
    server.install();
    let root = mount(|| view! { <SignIn/> });
    wait_for(&root, "sign-in-load-error").await;
    server.answer(
        "GET",
        "/v1/environment",
        200,
        &environment_json("development"),
    );
    click(&find(&root, "sign-in-retry"));
    wait_for(&root, "sign-in-button-atlassian").await;
}

#[wasm_bindgen_test]
async fn no_enabled_connection_says_so() {
    set_query("");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development").replace(
                r#"[{"provider":"atlassian","display_name":"Atlassian","icon_url":"/icons/atlassian.svg"}]"#,
                "[]",
            ),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT)
        .install();
    let root = mount(|| view! { <SignIn/> });
    wait_for(&root, "sign-in-empty").await;
    assert_eq!(count(&root, "[data-testid^='sign-in-button-']"), 0);
}

#[wasm_bindgen_test]
async fn sign_up_card_uses_the_sign_up_intent_and_links_to_sign_in() {
    set_query("");
    signed_out_server("development");
    let root = mount(|| {
        view! { <SignUp redirect_url="https://app.test/welcome" sign_in_url="/login"/> }
    });
    let href = wait_for(&root, "sign-up-button-atlassian")
        .await
        .get_attribute("href")
        .unwrap();
    assert!(href.contains("intent=sign_up"), "{href}");
    assert_eq!(text(&root, "sign-up-title"), "Create your Acme account");
    assert_eq!(
        find(&root, "sign-up-sign-in-link")
            .get_attribute("href")
            .as_deref(),
        Some("/login")
    );
}

#[wasm_bindgen_test]
async fn german_and_dark_theme_by_prop() {
    set_query("");
    signed_out_server("development");
    let root = mount(|| {
        view! {
            <SignIn
                locale=Locale::De
                class="my-card"
                appearance=Appearance::new().theme(Theme::Dark).variable("color-primary", "#6554c0")
            />
        }
    });
    wait_for(&root, "sign-in-button-atlassian").await;
    assert_eq!(
        text(&root, "sign-in-button-atlassian"),
        "Weiter mit Atlassian"
    );
    assert_eq!(text(&root, "sign-in-title"), "Bei Acme anmelden");
    let card = find(&root, "sign-in");
    assert_eq!(card.get_attribute("lang").as_deref(), Some("de"));
    let class = card.class_name();
    assert!(
        class.contains("vst-theme--dark") && class.contains("my-card"),
        "{class}"
    );
    assert_eq!(
        card.get_attribute("style").as_deref(),
        Some("--vst-color-primary:#6554c0;")
    );
    // The variable reaches the button's computed style through the cascade.
    let styles = window().get_computed_style(&card).unwrap().unwrap();
    assert_eq!(
        styles
            .get_property_value("--vst-color-primary")
            .unwrap()
            .trim(),
        "#6554c0"
    );
}

#[wasm_bindgen_test]
async fn sign_in_button_alone_starts_any_intent() {
    set_query("");
    signed_out_server("development");
    let root = mount(|| {
        view! {
            <SignInButton provider=ProviderId::Atlassian intent=OAuthIntent::SignUp redirect_url="/projects"/>
        }
    });
    let button = wait_for(&root, "sign-up-button-atlassian").await;
    let href = button.get_attribute("href").unwrap();
    assert!(
        href.starts_with("/v1/oauth/atlassian/start?intent=sign_up&redirect_url="),
        "{href}"
    );
    let origin = window().location().origin().unwrap();
    assert!(
        href.ends_with(&format!(
            "{}%2Fprojects",
            js_sys::encode_uri_component(&origin)
        )),
        "{href}"
    );
    assert_eq!(
        button.text_content().unwrap().trim(),
        "Continue with Atlassian"
    );
}

#[wasm_bindgen_test]
async fn an_internal_error_quotes_the_servers_reference() {
    set_query("?error=internal&ref=req-42");
    signed_out_server("development");
    let root = mount(|| view! { <SignIn/> });
    wait_for(&root, "sign-in-button-atlassian").await;
    set_query("");
    assert_eq!(
        banner_sentence(&root),
        "Something went wrong (reference req-42)."
    );
}

/// The app's English: its own card title and one error sentence; the rest stays.
static OUR_ENGLISH: Language = Language {
    messages: Some(&Messages {
        sign_in_title: "Log in to {app}",
        errors: our_errors,
        ..Messages::EN
    }),
    ..Language::new("en", Locale::En)
};

fn our_errors(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AccessDenied => "No worries: sign in whenever you like.",
        other => (Messages::EN.errors)(other),
    }
}

/// A language the components do not ship.
static FRENCH: Language = Language {
    messages: Some(&Messages {
        continue_with: "Continuer avec {provider}",
        ..Messages::EN
    }),
    ..Language::new("fr", Locale::En)
};

#[wasm_bindgen_test]
async fn the_app_changes_sentences_and_adds_a_language_through_the_provider() {
    set_query("?error=access_denied");
    signed_out_server("development");
    let root = mount(|| {
        view! {
            <VestibuleProvider localization=Localization::new().language(&OUR_ENGLISH).language(&FRENCH)>
                <SignIn/>
                <SignUp locale=Locale::En/>
                <SignInButton locale=Locale::Custom(&FRENCH)/>
            </VestibuleProvider>
        }
    });
    // The card's own button: the lone SignInButton renders without waiting for anything.
    wait_for(&find(&root, "sign-in"), "sign-in-button-atlassian").await;
    set_query("");
    assert_eq!(text(&root, "sign-in-title"), "Log in to Acme");
    assert_eq!(
        banner_sentence(&root),
        "No worries: sign in whenever you like."
    );
    // Sentences the app left alone are the built-in ones.
    assert_eq!(text(&root, "sign-up-title"), "Create your Acme account");
    // A component's own `locale=Locale::En` gets the app's English too.
    let sign_up = find(&root, "sign-up");
    assert_eq!(sign_up.get_attribute("lang").as_deref(), Some("en"));
    assert_eq!(
        sign_up
            .query_selector(".vst-alert__text")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("No worries: sign in whenever you like.")
    );
    let french = find(&root, "sign-in-button");
    assert_eq!(french.get_attribute("lang").as_deref(), Some("fr"));
    assert_eq!(
        french.text_content().unwrap().trim(),
        "Continuer avec Atlassian"
    );
}
