//! The "My Jira issues" front end: `<SignIn/>` when signed out; when signed in, the
//! `<UserButton/>` and the issues assigned to the user, loaded from the app's own backend
//! with the session token from `use_vestibule().get_token()`.
//!
//! The Vestibule server lives on another origin; the backend writes its URL into the
//! page's `<meta name="vestibule-frontend-api">`, so one build serves every deployment.

use jira_issues_api::{MY_ISSUES_PATH, MyIssues, Problem, ProblemCode};
use leptos::prelude::*;
use vestibule_components::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// The Vestibule server's URL, as the backend wrote it into the page.
fn frontend_api() -> String {
    document()
        .query_selector("meta[name='vestibule-frontend-api']")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default()
}

/// This page's own `/`, absolute: sign-in and sign-out pass through the Vestibule
/// server's origin and must find their way back here.
fn home() -> String {
    format!("{}/", window().location().origin().unwrap_or_default())
}

#[component]
fn App() -> impl IntoView {
    let home = home();
    let after_sign_out = home.clone();
    view! {
        <VestibuleProvider frontend_api=frontend_api()>
            <header class="bar">
                <h1>"My Jira issues"</h1>
                <SignedIn>
                    <UserButton after_sign_out_url=after_sign_out.clone() show_name=true/>
                </SignedIn>
            </header>
            <main class="page">
                <SignedOut>
                    <SignIn redirect_url=home.clone()/>
                </SignedOut>
                <SignedIn>
                    <IssueList/>
                </SignedIn>
            </main>
        </VestibuleProvider>
    }
}

/// The signed-in user's issues, or a sentence saying why there are none to show.
#[component]
fn IssueList() -> impl IntoView {
    let vst = use_vestibule();
    let issues = LocalResource::new(move || load_issues(vst));
    view! {
        <Suspense fallback=|| {
            view! { <p class="notice" data-testid="issues-loading">"Loading your issues…"</p> }
        }>
            {move || {
                issues
                    .get()
                    .map(|result| match result {
                        Ok(list) => view! { <Issues list/> }.into_any(),
                        Err(sentence) => {
                            view! {
                                <p class="notice notice--error" role="alert" data-testid="issues-error">
                                    {sentence}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

/// The list itself, most recently updated first (the backend's order).
#[component]
fn Issues(list: MyIssues) -> impl IntoView {
    if list.issues.is_empty() {
        return view! {
            <p class="notice" data-testid="issues-empty">"Nothing is assigned to you right now."</p>
        }
        .into_any();
    }
    let count = match list.issues.len() {
        1 => "1 issue is assigned to you.".to_owned(),
        n => format!("{n} issues are assigned to you."),
    };
    view! {
        <p data-testid="issues-count">{count}</p>
        <ul class="issues" data-testid="issues" data-site-id=list.site_id>
            {list
                .issues
                .into_iter()
                .map(|issue| {
                    let key = issue.key.clone();
                    view! {
                        <li data-testid="issue" data-issue-key=key>
                            <span class="issue__key">{issue.key}</span>
                            <span class="issue__summary">{issue.summary}</span>
                            <span class="issue__status">{issue.status}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// `GET /api/my-issues` with the session token; an error is already the sentence to show.
async fn load_issues(vst: Vestibule) -> Result<MyIssues, String> {
    let token = vst.get_token().await.map_err(|error| match error {
        TokenError::SignedOut => ProblemCode::SignInRequired.sentence().to_owned(),
        TokenError::Request(_) => {
            "The sign-in service could not confirm who you are just now. Try again in a moment."
                .to_owned()
        }
    })?;
    let (status, body) = get_with_token(MY_ISSUES_PATH, &token).await.map_err(|_| {
        "This app's server could not be reached. Check your connection and try again.".to_owned()
    })?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&body)
            .map_err(|_| ProblemCode::Internal.sentence().to_owned());
    }
    // Every session-token refusal (missing, expired, forged...) is mended by signing in.
    let code = if status == 401 {
        ProblemCode::SignInRequired
    } else {
        serde_json::from_str::<Problem>(&body)
            .map(|p| p.code)
            .unwrap_or(ProblemCode::Internal)
    };
    Err(code.sentence().to_owned())
}

/// A same-origin `GET` with `Authorization: Bearer <token>`; the status and body text.
async fn get_with_token(path: &str, token: &str) -> Result<(u16, String), JsValue> {
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "application/json")?;
    headers.set("Authorization", &format!("Bearer {token}"))?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str_and_init(path, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}
