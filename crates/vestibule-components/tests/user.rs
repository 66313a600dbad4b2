//! `<SignedIn>`, `<SignedOut>`, `<UserButton/>`, `<UserProfile/>` and `use_vestibule()` in
//! headless Chromium against a stubbed `fetch`.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use support::*;
use vestibule_components::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SESSIONS: &str = r#"{"sessions":[
    {"id":"sess_1","created_at":1700000000,"last_active_at":1700000500,"expires_at":1800000000,
     "user_agent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36","current":true},
    {"id":"sess_2","created_at":1700000000,"last_active_at":1700000100,"expires_at":1800000000,
     "user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0","current":false}]}"#;

fn signed_in_server() -> FakeServer {
    let server = FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, &signed_in_json())
        .route("GET", "/v1/me/sessions", 200, SESSIONS)
        .route("POST", "/v1/sign_out", 204, "")
        .route("DELETE", "/v1/me/sessions/sess_2", 204, "")
        .route("DELETE", "/v1/me/external_accounts/ext_1", 204, "");
    server.install();
    server
}

#[wasm_bindgen_test]
async fn signed_in_and_signed_out_show_only_their_state() {
    set_query("");
    signed_in_server();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                <SignedIn><p data-testid="in">"in"</p></SignedIn>
                <SignedOut><p data-testid="out">"out"</p></SignedOut>
            </VestibuleProvider>
        }
    });
    wait_for(&root, "in").await;
    assert!(query(&root, "out").is_none());

    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 0, "")
        .install();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                <SignedOut><p data-testid="out">"out"</p></SignedOut>
            </VestibuleProvider>
        }
    });
    // The environment answers; the client never does.
    wait_answered(1).await;
    assert!(
        query(&root, "out").is_none(),
        "nothing while the client loads"
    );

    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT)
        .install();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                <SignedIn><p data-testid="in">"in"</p></SignedIn>
                <SignedOut><p data-testid="out">"out"</p></SignedOut>
            </VestibuleProvider>
        }
    });
    wait_for(&root, "out").await;
    assert!(query(&root, "in").is_none());
}

#[wasm_bindgen_test]
async fn use_vestibule_exposes_user_and_session_as_signals() {
    set_query("");
    signed_in_server();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                {
                    let vst = use_vestibule();
                    view! {
                        <p data-testid="who">
                            {move || vst.user.get().and_then(|u| u.email).unwrap_or_default()}
                        </p>
                        <p data-testid="session">
                            {move || vst.session.get().map(|s| s.id).unwrap_or_default()}
                        </p>
                    }
                }
            </VestibuleProvider>
        }
    });
    wait_until("the user", || text(&root, "who") == "ada@example.com").await;
    assert_eq!(text(&root, "session"), "sess_1");
}

#[wasm_bindgen_test]
async fn user_button_opens_a_menu_with_name_email_manage_and_sign_out() {
    set_query("");
    signed_in_server();
    let (nav, navigated) = capture_navigation();
    // Only this button may put the user sheet back (see `remove_stylesheets`).
    remove_stylesheets();
    let root = mount(move || {
        view! {
            <VestibuleProvider navigate=nav>
                <UserButton/>
            </VestibuleProvider>
        }
    });
    assert!(
        document()
            .head()
            .unwrap()
            .query_selector("style[data-vestibule='user']")
            .unwrap()
            .is_some(),
        "the user button mounts its own stylesheet"
    );

    let trigger = wait_for(&root, "user-button-trigger").await;
    // The sheet applies: it rounds the avatar.
    let avatar = trigger.query_selector(".vst-avatar").unwrap().unwrap();
    let styles = window().get_computed_style(&avatar).unwrap().unwrap();
    assert_eq!(styles.get_property_value("border-radius").unwrap(), "50%");
    assert_eq!(
        trigger.text_content().unwrap().trim(),
        "AL",
        "initials without a picture"
    );
    assert_eq!(
        trigger.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(
        trigger
            .get_attribute("aria-label")
            .unwrap()
            .contains("Open user menu")
    );
    assert!(find(&root, "user-button-menu").has_attribute("hidden"));

    click(&trigger);
    wait_until("the menu to open", || {
        trigger.get_attribute("aria-expanded").as_deref() == Some("true")
    })
    .await;
    assert!(!find(&root, "user-button-menu").has_attribute("hidden"));
    assert_eq!(text(&root, "user-button-name"), "Ada Lovelace");
    assert_eq!(text(&root, "user-button-email"), "ada@example.com");
    let manage = find(&root, "user-button-manage-account");
    assert_eq!(
        manage.get_attribute("href").as_deref(),
        Some("https://vst.test/user")
    );
    wait_until("focus to move into the menu", || {
        focused().as_ref() == Some(manage.as_ref())
    })
    .await;

    // Arrow keys move between the items; Escape closes and returns focus to the avatar.
    press(&manage, "ArrowDown", false);
    let sign_out = find(&root, "user-button-sign-out");
    assert_eq!(focused().as_ref(), Some(sign_out.as_ref()));
    press(&sign_out, "Escape", false);
    wait_until("Escape to close the menu", || {
        find(&root, "user-button-menu").has_attribute("hidden")
    })
    .await;
    assert_eq!(focused().as_ref(), Some(trigger.as_ref()));

    click(&trigger);
    wait_until("the menu to open again", || {
        !find(&root, "user-button-menu").has_attribute("hidden")
    })
    .await;
    click(&find(&root, "user-button-sign-out"));
    wait_until("sign-out to leave", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    let writes = writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, "POST");
    assert_eq!(writes[0].path, "/v1/sign_out");
    assert_eq!(writes[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        navigated.get_untracked(),
        vec!["https://vst.test/sign-in".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn user_button_renders_nothing_when_signed_out() {
    set_query("");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT)
        .install();
    let root = mount(|| view! { <UserButton/> });
    wait_answered(2).await;
    assert!(query(&root, "user-button-trigger").is_none());
}

#[wasm_bindgen_test]
async fn profile_shows_the_connected_account_with_its_site_and_devices() {
    set_query("");
    signed_in_server();
    let root = mount(|| view! { <VestibuleProvider><UserProfile/></VestibuleProvider> });
    wait_for(&root, "user-profile-name").await;

    assert_eq!(text(&root, "user-profile-name"), "Ada Lovelace");
    assert_eq!(text(&root, "user-profile-email"), "ada@example.com");
    let account = find(&root, "external-account-ext_1");
    let site = find(&account, "external-account-site");
    assert!(site.text_content().unwrap().contains("acme.atlassian.net"));
    assert!(query(&account, "external-account-reconnect-needed").is_none());

    let connect = find(&root, "connect-button-atlassian");
    let href = connect.get_attribute("href").unwrap();
    assert!(
        href.starts_with("/v1/oauth/atlassian/start?intent=connect&redirect_url="),
        "{href}"
    );
    assert_eq!(
        connect.text_content().unwrap().trim(),
        "Connect another account"
    );

    let current = wait_for(&root, "session-sess_1").await;
    assert!(query(&current, "session-current").is_some());
    assert!(
        query(&current, "session-revoke").is_none(),
        "this device signs out with Sign out"
    );
    assert!(current.text_content().unwrap().contains("Chrome · Linux"));
    let other = find(&root, "session-sess_2");
    assert!(other.text_content().unwrap().contains("Firefox · Windows"));
    click(&find(&other, "session-revoke"));
    let session_loads = || {
        calls()
            .iter()
            .filter(|c| c.path == "/v1/me/sessions" && c.method == "GET")
            .count()
    };
    wait_until("the list to reload after a revoke", || session_loads() == 2).await;
    let w = writes();
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("DELETE", "/v1/me/sessions/sess_2")
    );
    assert_eq!(w[0].content_type.as_deref(), Some("application/json"));
}

#[wasm_bindgen_test]
async fn disconnecting_asks_first_then_deletes_and_shows_the_servers_refusal() {
    set_query("");
    let server = signed_in_server();
    let root = mount(|| view! { <UserProfile/> });
    let account = wait_for(&root, "external-account-ext_1").await;

    click(&find(&account, "external-account-disconnect"));
    let confirm = wait_for(&account, "external-account-disconnect-confirm").await;
    assert!(
        confirm
            .text_content()
            .unwrap()
            .contains("Disconnect the Atlassian account Ada Lovelace?")
    );
    click(&find(&account, "external-account-disconnect-cancel"));
    wait_gone(&account, "external-account-disconnect-confirm").await;
    assert!(writes().is_empty(), "nothing happens without confirming");

    server.answer(
        "DELETE",
        "/v1/me/external_accounts/ext_1",
        409,
        r#"{"code":"last_external_account","message":"last one"}"#,
    );
    click(&find(&account, "external-account-disconnect"));
    click(&wait_for(&account, "external-account-disconnect-confirm-button").await);
    wait_for(&root, "external-account-error").await;
    let w = writes();
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("DELETE", "/v1/me/external_accounts/ext_1")
    );
    let account = find(&root, "external-account-ext_1");
    let error = find(&account, "external-account-error");
    assert_eq!(
        error.get_attribute("data-error-code").as_deref(),
        Some("last_external_account")
    );
    // Styled like every other error: the alert's danger background, not plain text.
    let styles = window().get_computed_style(&error).unwrap().unwrap();
    assert_eq!(
        styles.get_property_value("background-color").unwrap(),
        "rgb(255, 236, 235)",
        "the refusal is not shown as an error alert"
    );
    assert!(
        error
            .text_content()
            .unwrap()
            .contains("only way to sign in")
    );
}

#[wasm_bindgen_test]
async fn an_account_atlassian_stopped_accepting_offers_reconnect() {
    set_query("?error=external_account_taken");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route(
            "GET",
            "/v1/client",
            200,
            &signed_in_json().replace(r#""reconnect_needed":false"#, r#""reconnect_needed":true"#),
        )
        .route("GET", "/v1/me/sessions", 200, SESSIONS)
        .install();
    let (nav, navigated) = capture_navigation();
    let root =
        mount(move || view! { <VestibuleProvider navigate=nav><UserProfile/></VestibuleProvider> });
    wait_for(&root, "external-account-ext_1").await;
    set_query("");
    assert!(text(&root, "user-profile-error").contains("already connected to another user"));
    let account = find(&root, "external-account-ext_1");
    assert!(query(&account, "external-account-reconnect-needed").is_some());
    let reconnect = find(&account, "external-account-reconnect");
    let href = reconnect.get_attribute("href").unwrap();
    assert!(href.contains("intent=connect"), "{href}");
    // Ctrl/cmd-click opens the real link in a new tab: the page keeps out of it.
    assert!(
        !ctrl_click_is_taken_over(&reconnect),
        "a ctrl-click on Reconnect was taken over"
    );
    assert!(
        !ctrl_click_is_taken_over(&find(&root, "connect-button-atlassian")),
        "a ctrl-click on Connect was taken over"
    );
    assert!(navigated.get_untracked().is_empty());
    click(&reconnect);
    wait_until("reconnect to leave", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    assert_eq!(navigated.get_untracked(), vec![href]);
}

#[wasm_bindgen_test]
async fn profile_sign_out_posts_and_leaves() {
    set_query("");
    signed_in_server();
    let (nav, navigated) = capture_navigation();
    let root = mount(move || {
        view! { <VestibuleProvider navigate=nav><UserProfile after_sign_out_url="/bye"/></VestibuleProvider> }
    });
    click(&wait_for(&root, "user-profile-sign-out").await);
    wait_until("sign-out to leave", || {
        !navigated.get_untracked().is_empty()
    })
    .await;
    assert_eq!(writes()[0].path, "/v1/sign_out");
    assert_eq!(navigated.get_untracked(), vec!["/bye".to_owned()]);
}

#[wasm_bindgen_test]
async fn profile_of_a_signed_out_visitor_links_to_sign_in() {
    set_query("");
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT)
        .install();
    let root = mount(|| view! { <UserProfile locale=Locale::De/> });
    let block = wait_for(&root, "user-profile-signed-out").await;
    assert!(
        block
            .text_content()
            .unwrap()
            .contains("Sie sind nicht angemeldet.")
    );
}

/// The signed-in user of [`signed_in_json`], with `avatar_url` set.
fn signed_in_with_avatar(url: &str) -> String {
    signed_in_json().replacen(
        r#""avatar_url":null"#,
        &format!(r#""avatar_url":"{url}""#),
        1,
    )
}

/// Waits up to a second for `done`, giving the browser time to load or reject an image.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..50 {
        if done() {
            return true;
        }
        sleep(20).await;
    }
    done()
}

#[wasm_bindgen_test]
async fn an_avatar_that_fails_to_load_falls_back_to_the_initials() {
    set_query("");
    // Not a PNG: the browser rejects it as it would a 404 or an origin its CSP blocks.
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route(
            "GET",
            "/v1/client",
            200,
            &signed_in_with_avatar("data:image/png;base64,AAAA"),
        )
        .route("GET", "/v1/me/sessions", 200, SESSIONS)
        .install();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                <UserButton/>
                <UserProfile/>
            </VestibuleProvider>
        }
    });
    wait_for(&root, "user-profile-name").await;
    let fell_back = eventually(|| count(&root, "img.vst-avatar") == 0).await;
    assert!(fell_back, "still a broken image:\n{}", root.inner_html());
    assert_eq!(
        find(&root, "user-button-trigger")
            .text_content()
            .unwrap()
            .trim(),
        "AL"
    );
    let header = root
        .query_selector(".vst-page__header .vst-avatar")
        .unwrap()
        .expect("the profile header has an avatar");
    assert_eq!(header.tag_name(), "SPAN");
    assert_eq!(header.text_content().as_deref(), Some("AL"));

    // A picture that loads stays a picture.
    let pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
    FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route("GET", "/v1/client", 200, &signed_in_with_avatar(pixel))
        .route("GET", "/v1/me/sessions", 200, SESSIONS)
        .install();
    let root = mount(|| view! { <VestibuleProvider><UserProfile/></VestibuleProvider> });
    wait_for(&root, "user-profile-name").await;
    let loaded = eventually(|| {
        root.query_selector("img.vst-avatar")
            .unwrap()
            .and_then(|img| js_sys::Reflect::get(&img, &"naturalWidth".into()).ok())
            .and_then(|w| w.as_f64())
            == Some(1.0)
    })
    .await;
    assert!(loaded, "the picture did not load:\n{}", root.inner_html());
    assert_eq!(count(&root, "span.vst-avatar"), 0);
}

/// How often the page asked for `GET /v1/client`.
fn client_loads() -> usize {
    calls()
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/v1/client")
        .count()
}

#[wasm_bindgen_test]
async fn an_older_client_answer_never_overwrites_a_newer_one() {
    set_query("");
    let server = signed_in_server();
    let root = mount(|| {
        view! {
            <VestibuleProvider>
                {
                    let vst = use_vestibule();
                    view! {
                        <p data-testid="who">
                            {move || vst.user.get().and_then(|u| u.email).unwrap_or_else(|| "nobody".into())}
                        </p>
                        <button data-testid="reload" on:click=move |_| vst.reload_client()>"reload"</button>
                    }
                }
            </VestibuleProvider>
        }
    });
    wait_until("the signed-in user", || {
        query(&root, "who").is_some_and(|p| p.text_content().as_deref() == Some("ada@example.com"))
    })
    .await;

    // A first reload reaches a slow server that still sees the session...
    server.answer_after("GET", "/v1/client", 200, &signed_in_json(), 150);
    click(&find(&root, "reload"));
    wait_until("the first reload to be sent", || client_loads() == 2).await;
    // ...then the user signs out elsewhere, and a second reload is answered at once.
    server.answer("GET", "/v1/client", 200, SIGNED_OUT);
    click(&find(&root, "reload"));
    wait_until("the newer answer", || text(&root, "who") == "nobody").await;

    // The older answer arrives last; it must not bring the signed-out user back.
    wait_answered(answered() + 1).await;
    assert_eq!(
        text(&root, "who"),
        "nobody",
        "the slower, older answer overwrote the newer one"
    );
}

#[wasm_bindgen_test]
async fn a_write_is_pending_until_its_task_ends_and_outlives_a_disposed_owner() {
    let owner = Owner::new();
    let (writes, answer) = owner.with(|| (Writes::new(), RwSignal::new(None::<u32>)));
    assert!(!writes.pending());
    writes.run(async move {
        sleep(20).await;
        answer.try_set(Some(7));
    });
    writes.run(async move { sleep(60).await });
    assert!(writes.pending(), "pending as soon as a write starts");
    wait_until("the first write's answer", || {
        answer.try_get_untracked().flatten() == Some(7)
    })
    .await;
    assert!(writes.pending(), "pending while the second write runs");
    wait_until("both writes to end", || !writes.pending()).await;

    // A write whose component went away meanwhile ends without a panic.
    writes.run(async move {
        sleep(20).await;
        answer.try_set(Some(8));
    });
    owner.cleanup();
    sleep(60).await;
    assert_eq!(
        answer.try_get_untracked(),
        None,
        "the signal went with its owner"
    );
}
