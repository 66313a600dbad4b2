//! `<ConnectionSettings/>`: the admin's SSO connections page, walked through the way
//! Clerk's guide "Add Atlassian as a social connection" walks through it.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use support::*;
use vestibule_components::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CALLBACK: &str = "https://vst.test/v1/oauth/atlassian/callback";

fn list_json(environment: &str, connections: &str) -> String {
    format!(
        r#"{{"environment":"{environment}","callback_url":"{CALLBACK}","connections":[{connections}]}}"#
    )
}

fn connection_json(enabled: bool, custom: bool) -> String {
    let (id, last4) = if custom {
        (
            r#""client_id":"abc123","client_secret_set":true,"client_secret_last4":"wxyz""#,
            "",
        )
    } else {
        (
            r#""client_id":null,"client_secret_set":false,"client_secret_last4":null"#,
            "",
        )
    };
    format!(
        r#"{{"id":"conn_1","provider":"atlassian","audience":"all_users","enabled_for_sign_in":{enabled},
            "use_custom_credentials":{custom},{id}{last4},"scopes":["read:me"],
            "callback_url":"{CALLBACK}","created_at":1700000000,"updated_at":1700000000}}"#
    )
}

fn admin_server(environment: &str, connections: &str) -> FakeServer {
    let server = FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json(environment),
        )
        .route("GET", "/v1/client", 200, SIGNED_OUT)
        .route(
            "GET",
            "/v1/admin/connections",
            200,
            &list_json(environment, connections),
        )
        .route(
            "POST",
            "/v1/admin/connections",
            201,
            &connection_json(true, false),
        )
        .route(
            "PATCH",
            "/v1/admin/connections/conn_1",
            200,
            &connection_json(false, true),
        )
        .route("DELETE", "/v1/admin/connections/conn_1", 204, "");
    server.install();
    server
}

async fn open_add_dialog(root: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    click(&find(root, "add-connection"));
    settle().await;
    find(root, "connection-dialog")
}

#[wasm_bindgen_test]
async fn development_add_follows_the_guide_with_shared_credentials() {
    set_query("");
    admin_server("development", "");
    let changes = RwSignal::new(0);
    let root = mount(move || {
        view! { <ConnectionSettings on_change=Callback::new(move |_| changes.update(|c| *c += 1))/> }
    });
    settle().await;
    assert_eq!(text(&root, "connection-settings-title"), "SSO connections");
    assert!(query(&root, "connection-list-empty").is_some());

    // 1. "Select Add connection and select For all users."
    let dialog = open_add_dialog(&root).await;
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let domains = find(&dialog, "connection-audience-specific-domains");
    assert!(is_disabled(&domains), "specific domains come later");
    assert!(domains.text_content().unwrap().contains("Coming later"));
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;

    // 2. "In the Choose provider dropdown, select Atlassian."
    let select_el = find(&dialog, "connection-provider");
    assert!(
        query(&dialog, "connection-enabled").is_none(),
        "switches follow the provider"
    );
    select(&select_el, "atlassian");
    settle().await;

    // 3. The switches: enabled on; custom credentials off by default in development.
    let enabled = find(&dialog, "connection-enabled");
    let custom = find(&dialog, "connection-custom-credentials");
    assert!(is_checked(&enabled));
    assert!(!is_checked(&custom));
    assert!(!is_disabled(&custom));
    assert!(query(&dialog, "connection-shared-note").is_some());
    assert!(query(&dialog, "connection-client-id").is_none());
    assert!(
        find(&dialog, "connection-site-warning")
            .text_content()
            .unwrap()
            .contains("at least one Atlassian site")
    );

    // 4. "Select Add connection."
    let submit = find(&dialog, "connection-submit");
    assert_eq!(submit.text_content().unwrap().trim(), "Add connection");
    click(&submit);
    settle().await;
    let w = writes();
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("POST", "/v1/admin/connections")
    );
    assert_eq!(w[0].content_type.as_deref(), Some("application/json"));
    let body = body_json(&w[0]);
    assert_eq!(body["provider"], "atlassian");
    assert_eq!(body["audience"], "all_users");
    assert_eq!(body["enabled_for_sign_in"], true);
    assert_eq!(body["use_custom_credentials"], false);
    assert!(body["client_secret"].is_null());
    assert!(
        query(&root, "connection-dialog").is_none(),
        "the dialog closes after saving"
    );
    assert_eq!(changes.get_untracked(), 1);
    assert_eq!(
        calls()
            .iter()
            .filter(|c| c.path == "/v1/admin/connections" && c.method == "GET")
            .count(),
        2,
        "the list reloads"
    );
}

#[wasm_bindgen_test]
async fn custom_credentials_show_callback_url_hints_and_fields() {
    set_query("");
    admin_server("development", "");
    let copied = js_sys::Function::new_no_args(
        "window.__vstCopied = null; Object.defineProperty(navigator, 'clipboard', { configurable: true,
           value: { writeText: async (t) => { window.__vstCopied = t; } } });",
    );
    copied.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    click(&find(&dialog, "connection-custom-credentials"));
    settle().await;

    // "Save the Callback URL somewhere secure."
    let url = find(&dialog, "connection-callback-url");
    assert_eq!(value(&url), CALLBACK);
    assert!(url.has_attribute("readonly"));
    let copy = find(&dialog, "connection-callback-url-copy");
    click(&copy);
    settle().await;
    let clip = js_sys::Reflect::get(&window(), &"__vstCopied".into()).unwrap();
    assert_eq!(clip.as_string().as_deref(), Some(CALLBACK));
    assert_eq!(copy.text_content().unwrap().trim(), "Copied");

    // The guide's Atlassian hints, in place.
    let guide = find(&dialog, "connection-guide");
    assert_eq!(
        find(&guide, "connection-guide-console")
            .get_attribute("href")
            .as_deref(),
        Some("https://developer.atlassian.com/console/myapps/")
    );
    assert!(text(&guide, "connection-guide-identity-scope").contains("User identity API"));
    let distribution = text(&guide, "connection-guide-distribution");
    assert!(
        distribution.contains("Distribution") && distribution.contains("Sharing"),
        "{distribution}"
    );

    // "Paste the values into their respective fields."
    assert_eq!(
        value(&find(&dialog, "connection-scopes")),
        "read:me",
        "default scope"
    );
    type_into(&find(&dialog, "connection-client-id"), "  my-client-id ");
    type_into(&find(&dialog, "connection-client-secret"), "s3cr3t-value");
    type_into(
        &find(&dialog, "connection-scopes"),
        "read:me read:jira-work",
    );
    assert_eq!(
        find(&dialog, "connection-client-secret")
            .get_attribute("type")
            .as_deref(),
        Some("password")
    );
    click(&find(&dialog, "connection-submit"));
    settle().await;
    let body = body_json(&writes()[0]);
    assert_eq!(body["use_custom_credentials"], true);
    assert_eq!(body["client_id"], "my-client-id");
    assert_eq!(body["client_secret"], "s3cr3t-value");
    assert_eq!(
        body["scopes"],
        serde_json::json!(["read:me", "read:jira-work"])
    );
}

#[wasm_bindgen_test]
async fn scopes_without_read_me_are_refused_beside_the_field() {
    set_query("");
    admin_server("development", "");
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    click(&find(&dialog, "connection-custom-credentials"));
    settle().await;
    type_into(&find(&dialog, "connection-scopes"), "read:jira-work");
    click(&find(&dialog, "connection-submit"));
    settle().await;
    assert!(query(&dialog, "connection-scopes-error").is_some());
    assert_eq!(
        find(&dialog, "connection-scopes")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(writes().is_empty(), "nothing is sent");
}

#[wasm_bindgen_test]
async fn production_locks_custom_credentials_and_shows_the_servers_error_beside_the_field() {
    set_query("");
    let server = admin_server("production", "");
    server.answer(
        "POST",
        "/v1/admin/connections",
        422,
        r#"{"code":"custom_credentials_required","message":"client_id is required","field":"client_id"}"#,
    );
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    let custom = find(&dialog, "connection-custom-credentials");
    assert!(is_checked(&custom), "on in production");
    assert!(is_disabled(&custom), "and locked");
    assert!(
        dialog
            .text_content()
            .unwrap()
            .contains("Production instances always use custom credentials.")
    );

    // Empty credentials are caught before sending (by the rule the server applies); values
    // the form accepts but the server refuses show the server's answer beside the field.
    click(&find(&dialog, "connection-submit"));
    settle().await;
    assert!(writes().is_empty(), "nothing is sent without credentials");
    type_into(&find(&dialog, "connection-client-id"), "abc123");
    type_into(&find(&dialog, "connection-client-secret"), "s3cr3t-value");
    click(&find(&dialog, "connection-submit"));
    settle().await;
    let body = body_json(&writes()[0]);
    assert_eq!(body["use_custom_credentials"], true);
    let error = find(&dialog, "connection-client-id-error");
    assert_eq!(
        error.get_attribute("data-error-code").as_deref(),
        Some("custom_credentials_required")
    );
    assert!(
        error
            .text_content()
            .unwrap()
            .contains("own Client ID and Client Secret")
    );
    let input = find(&dialog, "connection-client-id");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(
        input
            .get_attribute("aria-describedby")
            .unwrap()
            .contains("vst-connection-client_id-error")
    );
    assert!(
        query(&root, "connection-dialog").is_some(),
        "the dialog stays open"
    );
}

#[wasm_bindgen_test]
async fn the_list_shows_state_and_a_saved_secret_only_as_its_last_four() {
    set_query("");
    admin_server("production", &connection_json(true, true));
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let row = find(&root, "connection-atlassian");
    assert_eq!(text(&row, "connection-status"), "Enabled");
    let creds = text(&row, "connection-credentials");
    assert!(
        creds.contains("abc123") && creds.contains("••••\u{a0}wxyz"),
        "{creds}"
    );
    assert!(query(&row, "connection-incomplete").is_none());
    assert!(!root.inner_html().contains("s3cr3t"), "no secret anywhere");
    assert!(!is_disabled(&find(&root, "add-connection")));

    // "Under Use custom credentials, paste the values": editing later.
    click(&find(&row, "connection-configure"));
    settle().await;
    let dialog = find(&root, "connection-dialog");
    assert_eq!(dialog.get_attribute("data-mode").as_deref(), Some("edit"));
    assert_eq!(
        text(&dialog, "connection-dialog-title"),
        "Configure Atlassian"
    );
    assert!(
        text(&dialog, "connection-edit-hint")
            .contains("Under Use custom credentials, paste the values")
    );
    assert!(is_disabled(&find(&dialog, "connection-provider")));
    assert_eq!(value(&find(&dialog, "connection-client-id")), "abc123");
    assert_eq!(
        value(&find(&dialog, "connection-client-secret")),
        "",
        "never shown again"
    );
    assert!(text(&dialog, "connection-client-secret-stored").contains("••••\u{a0}wxyz"));
    type_into(&find(&dialog, "connection-client-id"), "new-id");
    click(&find(&dialog, "connection-submit"));
    settle().await;
    let w = writes();
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("PATCH", "/v1/admin/connections/conn_1")
    );
    let body = body_json(&w[0]);
    assert_eq!(body["client_id"], "new-id");
    assert!(
        body.get("client_secret").is_none(),
        "an empty secret field keeps the stored one"
    );
}

#[wasm_bindgen_test]
async fn disabling_and_deleting_with_confirmation() {
    set_query("");
    admin_server("development", &connection_json(true, false));
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let row = find(&root, "connection-atlassian");
    assert!(text(&row, "connection-credentials").contains("Shared credentials"));
    let toggle = find(&row, "connection-toggle");
    assert_eq!(toggle.text_content().unwrap().trim(), "Disable");
    click(&toggle);
    settle().await;
    let w = writes();
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("PATCH", "/v1/admin/connections/conn_1")
    );
    assert_eq!(
        body_json(&w[0]),
        serde_json::json!({"enabled_for_sign_in": false})
    );

    let row = find(&root, "connection-atlassian");
    click(&find(&row, "connection-delete"));
    settle().await;
    let confirm = find(&row, "connection-delete-confirm");
    assert!(
        confirm
            .text_content()
            .unwrap()
            .contains("Delete the Atlassian connection?")
    );
    assert_eq!(writes().len(), 1, "asks first");
    click(&find(&row, "connection-delete-confirm-button"));
    settle().await;
    let w = writes();
    assert_eq!(
        (w[1].method.as_str(), w[1].path.as_str()),
        ("DELETE", "/v1/admin/connections/conn_1")
    );
}

#[wasm_bindgen_test]
async fn focus_stays_inside_the_dialog_and_returns_on_escape() {
    set_query("");
    admin_server("development", "");
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let add = find(&root, "add-connection");
    add.focus().unwrap();
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;

    let first = find(&dialog, "connection-close");
    let last = find(&dialog, "connection-submit");
    assert_eq!(
        focused().as_ref(),
        Some(first.as_ref()),
        "the dialog takes focus"
    );
    last.focus().unwrap();
    press(&last, "Tab", false);
    assert_eq!(
        focused().as_ref(),
        Some(first.as_ref()),
        "Tab wraps to the first control"
    );
    press(&first, "Tab", true);
    assert_eq!(
        focused().as_ref(),
        Some(last.as_ref()),
        "Shift+Tab wraps to the last"
    );

    // Every control is labelled.
    let controls = dialog.query_selector_all("input,select,button").unwrap();
    for i in 0..controls.length() {
        let el: web_sys::HtmlElement = controls.item(i).unwrap().unchecked_into();
        let id = el.id();
        let labelled = el.has_attribute("aria-label")
            || !el.text_content().unwrap_or_default().trim().is_empty()
            || (!id.is_empty()
                && dialog
                    .query_selector(&format!("label[for='{id}']"))
                    .unwrap()
                    .is_some())
            || el.closest("label").unwrap().is_some();
        assert!(labelled, "unlabelled control: {}", el.outer_html());
    }

    press(&last, "Escape", false);
    settle().await;
    assert!(query(&root, "connection-dialog").is_none());
    assert_eq!(
        focused().as_ref(),
        Some(add.as_ref()),
        "focus returns to Add connection"
    );
}

#[wasm_bindgen_test]
async fn without_an_admin_session_the_list_says_why() {
    set_query("");
    FakeServer::new()
        .route(
            "GET",
            "/v1/admin/connections",
            401,
            r#"{"code":"invalid_secret_key","message":"no admin session"}"#,
        )
        .install();
    let root = mount(|| view! { <ConnectionSettings locale=Locale::De/> });
    settle().await;
    let error = find(&root, "connection-list-error");
    assert_eq!(
        error.get_attribute("data-error-code").as_deref(),
        Some("invalid_secret_key")
    );
    assert!(error.text_content().unwrap().contains("geheime Schlüssel"));
    assert!(is_disabled(&find(&root, "add-connection")));
}

#[wasm_bindgen_test]
async fn a_field_left_empty_is_called_required() {
    set_query("");
    let server = admin_server("development", "");
    server.answer(
        "POST",
        "/v1/admin/connections",
        400,
        r#"{"code":"invalid_field","message":"client_id must not be empty","field":"client_id"}"#,
    );
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    click(&find(&dialog, "connection-custom-credentials"));
    settle().await;
    click(&find(&dialog, "connection-submit"));
    settle().await;
    assert_eq!(
        text(&dialog, "connection-client-id-error"),
        "This field is required."
    );
}

/// Submits the add dialog with custom credentials on and nothing typed.
async fn submit_empty_custom_credentials(root: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    let dialog = open_add_dialog(root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    let custom = find(&dialog, "connection-custom-credentials");
    if !is_checked(&custom) {
        click(&custom);
        settle().await;
    }
    click(&find(&dialog, "connection-submit"));
    settle().await;
    dialog
}

#[wasm_bindgen_test]
async fn both_empty_credentials_are_marked_at_once_and_nothing_is_sent() {
    for environment in ["development", "production"] {
        set_query("");
        admin_server(environment, "");
        let root = mount(|| view! { <ConnectionSettings/> });
        settle().await;
        let dialog = submit_empty_custom_credentials(&root).await;
        assert!(writes().is_empty(), "{environment}: nothing is sent");
        for field in ["client-id", "client-secret"] {
            let error = find(&dialog, &format!("connection-{field}-error"));
            assert_eq!(
                error.text_content().unwrap().trim(),
                "This field is required.",
                "{environment}: {field}"
            );
            let input = find(&dialog, &format!("connection-{field}"));
            assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
            let described_by = input.get_attribute("aria-describedby").unwrap();
            assert!(
                described_by.split(' ').any(|id| id == error.id()),
                "{environment}: {field} is described by its error ({described_by})"
            );
        }
        assert!(query(&dialog, "connection-scopes-error").is_none());

        // With one half typed, the next submit marks only the other.
        type_into(&find(&dialog, "connection-client-id"), "abc123");
        click(&find(&dialog, "connection-submit"));
        settle().await;
        assert!(query(&dialog, "connection-client-id-error").is_none());
        assert!(query(&dialog, "connection-client-secret-error").is_some());
        assert!(writes().is_empty());
    }
}

#[wasm_bindgen_test]
async fn configuring_shared_credentials_does_not_ask_to_paste_values() {
    set_query("");
    admin_server("development", &connection_json(true, false));
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    click(&find(&root, "connection-configure"));
    settle().await;
    let dialog = find(&root, "connection-dialog");
    assert_eq!(dialog.get_attribute("data-mode").as_deref(), Some("edit"));
    let custom = find(&dialog, "connection-custom-credentials");
    assert!(!is_checked(&custom));
    assert!(query(&dialog, "connection-client-id").is_none());
    assert!(
        query(&dialog, "connection-edit-hint").is_none(),
        "no \"paste the values\" while there is nowhere to paste them"
    );
    assert!(!dialog.text_content().unwrap().contains("paste the values"));

    click(&custom);
    settle().await;
    assert!(query(&dialog, "connection-client-id").is_some());
    assert!(
        text(&dialog, "connection-edit-hint")
            .contains("Under Use custom credentials, paste the values")
    );
}

#[wasm_bindgen_test]
async fn the_copy_button_offers_to_copy_again_after_a_moment() {
    set_query("");
    admin_server("development", "");
    js_sys::Function::new_no_args(
        "Object.defineProperty(navigator, 'clipboard', { configurable: true,
           value: { writeText: async (t) => { window.__vstCopied = t; } } });",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
    let root = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let dialog = open_add_dialog(&root).await;
    click(&find(&dialog, "connection-audience-all-users"));
    settle().await;
    select(&find(&dialog, "connection-provider"), "atlassian");
    settle().await;
    click(&find(&dialog, "connection-custom-credentials"));
    settle().await;
    let copy = find(&dialog, "connection-callback-url-copy");
    assert_eq!(copy.text_content().unwrap().trim(), "Copy");
    click(&copy);
    settle().await;
    assert_eq!(copy.text_content().unwrap().trim(), "Copied");
    sleep(1000).await;
    assert_eq!(
        copy.text_content().unwrap().trim(),
        "Copied",
        "for a moment"
    );
    sleep(1300).await;
    assert_eq!(copy.text_content().unwrap().trim(), "Copy", "then back");
}

/// The ids that `<label for>` and `aria-describedby` name inside `dialog` all resolve, in
/// the whole document, to elements inside that same dialog.
fn assert_references_stay_inside(dialog: &web_sys::HtmlElement) {
    let doc = document();
    let resolves_inside = |id: &str| {
        doc.get_element_by_id(id)
            .is_some_and(|el| dialog.contains(Some(el.unchecked_ref())))
    };
    let labels = dialog.query_selector_all("label[for]").unwrap();
    assert!(labels.length() >= 5, "labels with for");
    for i in 0..labels.length() {
        let label: web_sys::Element = labels.item(i).unwrap().unchecked_into();
        let target = label.get_attribute("for").unwrap();
        assert!(
            resolves_inside(&target),
            "label for={target} leaves its dialog"
        );
    }
    let described = dialog.query_selector_all("[aria-describedby]").unwrap();
    for i in 0..described.length() {
        let el: web_sys::Element = described.item(i).unwrap().unchecked_into();
        for id in el
            .get_attribute("aria-describedby")
            .unwrap()
            .split_whitespace()
        {
            assert!(
                resolves_inside(id),
                "aria-describedby={id} leaves its dialog"
            );
        }
    }
    let title = dialog.get_attribute("aria-labelledby").unwrap();
    assert!(
        resolves_inside(&title),
        "aria-labelledby={title} leaves its dialog"
    );
}

#[wasm_bindgen_test]
async fn two_connection_settings_on_one_page_keep_their_ids_apart() {
    set_query("");
    admin_server("development", "");
    let first = mount(|| view! { <ConnectionSettings/> });
    let second = mount(|| view! { <ConnectionSettings/> });
    settle().await;
    let a = submit_empty_custom_credentials(&first).await;
    let b = submit_empty_custom_credentials(&second).await;
    assert!(query(&a, "connection-client-id-error").is_some());
    assert!(query(&b, "connection-client-id-error").is_some());

    let mut ids = Vec::new();
    for dialog in [&a, &b] {
        let with_id = dialog.query_selector_all("[id]").unwrap();
        for i in 0..with_id.length() {
            let el: web_sys::Element = with_id.item(i).unwrap().unchecked_into();
            ids.push(el.id());
        }
        assert_references_stay_inside(dialog);
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "an id is used twice: {ids:?}");
    press(&find(&a, "connection-submit"), "Escape", false);
    press(&find(&b, "connection-submit"), "Escape", false);
    settle().await;
}
