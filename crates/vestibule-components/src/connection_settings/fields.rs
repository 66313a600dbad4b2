//! The connection form's fields: the provider, the two switches, the callback URL with
//! its copy button, the provider console's steps, and the credentials; each field tied to
//! its error by `aria-describedby`.

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use vestibule_core::connection_check::GuideStep;
use vestibule_core::{ErrorCode, ProviderId};
use wasm_bindgen::JsCast;

use super::dialog::DialogState;
use super::form::{Field, default_scopes};
use crate::i18n::fill;

/// How long the copy button says "Copied" before it offers to copy again.
const COPIED_FOR: Duration = Duration::from_secs(2);

/// The element id of `field`'s input in this dialog.
fn input_id(state: DialogState, field: Field) -> String {
    state.id(&format!("vst-connection-{}", field.name()))
}

fn error_id(state: DialogState, field: Field) -> String {
    state.id(&format!("vst-connection-{}-error", field.name()))
}

/// The error sentence under a field, translated as it is drawn.
fn field_error(state: DialogState, field: Field) -> impl IntoView {
    let id = error_id(state, field);
    move || {
        let problem = state.errors.with(|e| e.get(field))?;
        Some(view! {
            <p
                class="vst-field__error"
                id=id.clone()
                data-testid=field.error_testid()
                data-error-code=problem.code.map(ErrorCode::as_str)
                role="alert"
            >
                {problem.sentence(state.locale.get())}
            </p>
        })
    }
}

fn invalid(state: DialogState, field: Field) -> impl Fn() -> Option<&'static str> {
    move || {
        state
            .errors
            .with(|e| e.get(field).is_some())
            .then_some("true")
    }
}

/// The field's hint (if any) and, while it has one, its error.
fn described_by(state: DialogState, field: Field, hint: Option<String>) -> impl Fn() -> String {
    let error = error_id(state, field);
    move || {
        let shown = state.errors.with(|e| e.get(field).is_some());
        let ids = [hint.as_deref(), shown.then_some(error.as_str())];
        ids.into_iter().flatten().collect::<Vec<_>>().join(" ")
    }
}

/// "Choose provider": a provider that has a connection already cannot be chosen again,
/// and a configured connection's provider cannot change.
#[component]
pub(super) fn ProviderField(state: DialogState) -> impl IntoView {
    let t = state.locale.get_untracked().admin();
    let is_edit = state.is_edit();
    let existing = state.setup.with_value(|s| s.existing.clone());
    let provider = state.provider;
    view! {
        <div class="vst-field">
            <label class="vst-field__label" for=input_id(state, Field::Provider)>{t.choose_provider}</label>
            <select
                class="vst-select"
                id=input_id(state, Field::Provider)
                data-testid="connection-provider"
                disabled=is_edit
                aria-invalid=invalid(state, Field::Provider)
                aria-describedby=described_by(state, Field::Provider, None)
                prop:value=move || provider.get().map(ProviderId::as_str).unwrap_or("")
                on:change=move |ev| {
                    let chosen = ProviderId::parse(&event_target_value(&ev));
                    if let Some(p) = chosen {
                        state.scopes.set(default_scopes(p));
                    }
                    provider.set(chosen);
                }
            >
                <option value="" disabled=true selected=move || provider.with(Option::is_none)>
                    {t.select_provider}
                </option>
                {ProviderId::ALL
                    .iter()
                    .map(|p| {
                        let taken = !is_edit && existing.contains(p);
                        view! {
                            <option value=p.as_str() disabled=taken>{p.info().display_name}</option>
                        }
                    })
                    .collect_view()}
            </select>
            {field_error(state, Field::Provider)}
        </div>
    }
}

/// The site warning, the two switches, then either the shared-credentials note or the
/// custom credentials' callback URL, console steps and fields.
#[component]
pub(super) fn CredentialsFields(state: DialogState) -> impl IntoView {
    let t = state.locale.get_untracked().admin();
    let production = state.setup.with_value(|s| s.production());
    let enabled_hint = state.id("vst-connection-enabled-hint");
    let custom_hint = state.id("vst-connection-custom-hint");
    view! {
        <div class="vst-alert vst-alert--warning" role="note" data-testid="connection-site-warning">
            <p class="vst-alert__text">{t.site_warning}</p>
        </div>
        <label class="vst-switch">
            <input
                type="checkbox"
                role="switch"
                class="vst-switch__input"
                data-testid="connection-enabled"
                aria-describedby=enabled_hint.clone()
                bind:checked=state.enabled
            />
            <span class="vst-switch__text">
                <span class="vst-field__label">{t.enable_for_sign_in}</span>
                <span class="vst-field__hint" id=enabled_hint>{t.enable_for_sign_in_hint}</span>
            </span>
        </label>
        <label class="vst-switch">
            <input
                type="checkbox"
                role="switch"
                class="vst-switch__input"
                data-testid="connection-custom-credentials"
                aria-describedby=described_by(state, Field::UseCustomCredentials, Some(custom_hint.clone()))
                disabled=production
                bind:checked=state.custom
            />
            <span class="vst-switch__text">
                <span class="vst-field__label">{t.use_custom_credentials}</span>
                <span class="vst-field__hint" id=custom_hint>
                    {if production { t.custom_credentials_locked } else { t.use_custom_credentials_hint }}
                </span>
            </span>
        </label>
        {field_error(state, Field::UseCustomCredentials)}
        {move || {
            if state.custom.get() {
                view! { <CallbackUrlField state/> <ConsoleSteps state/> <CredentialInputs state/> }.into_any()
            } else {
                view! {
                    <p class="vst-field__hint" data-testid="connection-shared-note">{t.shared_credentials_note}</p>
                }
                .into_any()
            }
        }}
    }
}

/// The callback URL to paste into the provider's console, read-only, with a copy button
/// that says "Copied" for a moment.
#[component]
fn CallbackUrlField(state: DialogState) -> impl IntoView {
    let t = state.locale.get_untracked().admin();
    let url = state.setup.with_value(|s| s.callback_url.clone());
    let input_ref = NodeRef::<html::Input>::new();
    let copied = RwSignal::new(false);
    let reset = StoredValue::new(None::<TimeoutHandle>);
    let copy = {
        let url = url.clone();
        move |_| {
            let url = url.clone();
            leptos::task::spawn_local(async move {
                let clipboard = window().navigator().clipboard();
                let written =
                    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&url)).await;
                if written.is_err() {
                    // No clipboard permission: select the URL so Ctrl+C copies it.
                    if let Some(input) = input_ref.get_untracked() {
                        input.select();
                    }
                    return;
                }
                copied.try_set(true);
                // Back to "Copy" after a moment, so a second copy visibly works too. A
                // later copy restarts the moment; a closed dialog ignores the reset.
                if let Some(previous) = reset.try_get_value().flatten() {
                    previous.clear();
                }
                let handle =
                    set_timeout_with_handle(move || _ = copied.try_set(false), COPIED_FOR).ok();
                reset.try_set_value(handle);
            });
        }
    };
    let id = state.id("vst-connection-callback-url");
    let hint = state.id("vst-connection-callback-hint");
    view! {
        <div class="vst-field">
            <label class="vst-field__label" for=id.clone()>{t.callback_url}</label>
            <div class="vst-input-group">
                <input
                    class="vst-input"
                    id=id
                    type="text"
                    readonly=true
                    value=url
                    aria-describedby=hint.clone()
                    data-testid="connection-callback-url"
                    node_ref=input_ref
                    on:focus=move |ev| {
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                />
                <button
                    type="button"
                    class="vst-button vst-button--secondary"
                    data-testid="connection-callback-url-copy"
                    on:click=copy
                >
                    {move || if copied.get() { t.copied } else { t.copy }}
                </button>
            </div>
            <p class="vst-field__hint" id=hint>{t.callback_url_hint}</p>
        </div>
    }
}

/// The provider console's steps, from creating the app to copying its credentials.
#[component]
fn ConsoleSteps(state: DialogState) -> impl IntoView {
    let t = state.locale.get_untracked().admin();
    let console = ProviderId::Atlassian.info().console_url;
    view! {
        <div class="vst-field" data-testid="connection-guide">
            <span class="vst-field__label">{t.guide_title}</span>
            <ol class="vst-guide">
                <li>
                    <a href=console target="_blank" rel="noopener noreferrer" data-testid="connection-guide-console">
                        {t.guide_console}
                    </a>
                </li>
                <li>{t.guide_create_app}</li>
                <li id=state.id(GuideStep::IdentityScope.anchor()) data-testid="connection-guide-identity-scope">{t.guide_identity_scope}</li>
                <li id=state.id(GuideStep::Callback.anchor())>{t.guide_callback}</li>
                <li id=state.id(GuideStep::Distribution.anchor()) data-testid="connection-guide-distribution">{t.guide_distribution}</li>
                <li id=state.id(GuideStep::Credentials.anchor())>{t.guide_credentials}</li>
            </ol>
        </div>
    }
}

/// Client ID, Client Secret (write-only: a stored one shows as its last four) and Scopes.
#[component]
fn CredentialInputs(state: DialogState) -> impl IntoView {
    let t = state.locale.get_untracked().admin();
    let secret_hint = state.setup.with_value(|s| match s.secret_last4() {
        Some(last4) => Some(fill(t.client_secret_stored, &[("last4", last4)])),
        None => s.secret_stored().then(|| t.client_secret_set.to_owned()),
    });
    let stored_id = state.id("vst-connection-secret-stored");
    let scopes_hint = state.id("vst-connection-scopes-hint");
    view! {
        <div class="vst-field">
            <label class="vst-field__label" for=input_id(state, Field::ClientId)>{t.client_id}</label>
            <input
                class="vst-input"
                id=input_id(state, Field::ClientId)
                type="text"
                autocomplete="off"
                spellcheck="false"
                data-testid="connection-client-id"
                aria-invalid=invalid(state, Field::ClientId)
                aria-describedby=described_by(state, Field::ClientId, None)
                bind:value=state.client_id
            />
            {field_error(state, Field::ClientId)}
        </div>
        <div class="vst-field">
            <label class="vst-field__label" for=input_id(state, Field::ClientSecret)>{t.client_secret}</label>
            <input
                class="vst-input"
                id=input_id(state, Field::ClientSecret)
                type="password"
                autocomplete="new-password"
                data-testid="connection-client-secret"
                aria-invalid=invalid(state, Field::ClientSecret)
                aria-describedby=described_by(
                    state,
                    Field::ClientSecret,
                    secret_hint.is_some().then(|| stored_id.clone()),
                )
                bind:value=state.client_secret
            />
            {secret_hint.map(|hint| view! {
                <p class="vst-field__hint" id=stored_id data-testid="connection-client-secret-stored">
                    {hint}
                </p>
            })}
            {field_error(state, Field::ClientSecret)}
        </div>
        <div class="vst-field">
            <label class="vst-field__label" for=input_id(state, Field::Scopes)>{t.scopes}</label>
            <input
                class="vst-input"
                id=input_id(state, Field::Scopes)
                type="text"
                autocomplete="off"
                spellcheck="false"
                data-testid="connection-scopes"
                aria-invalid=invalid(state, Field::Scopes)
                aria-describedby=described_by(state, Field::Scopes, Some(scopes_hint.clone()))
                bind:value=state.scopes
            />
            <p class="vst-field__hint" id=scopes_hint>{t.scopes_hint}</p>
            {field_error(state, Field::Scopes)}
        </div>
    }
}
