//! `<ConnectionSettings/>`: the admin's "SSO connections" page: the list of connections,
//! the "Add connection" dialog in the order of Clerk's guide "Add Atlassian as a social
//! connection", editing, enabling and disabling, and deleting.
//!
//! The guide's steps, and where each one happens here:
//! 1. "Select Add connection and select For all users" → [`AddStep::Audience`].
//! 2. "In the Choose provider dropdown, select Atlassian" → the provider `<select>`.
//! 3. "Ensure that both Enable for sign-up and sign-in and Use custom credentials are
//!    toggled on" → the two switches (custom credentials are on and locked in production).
//! 4. "Save the Callback URL somewhere secure" → the read-only field with its copy button.
//! 5. The Atlassian console steps (create the app, add the User identity API scope, paste
//!    the callback URL, set Distribution to Sharing, copy Client ID and Secret) → the hints.
//! 6. "Paste the values into their respective fields. Select Add connection" → the fields
//!    and the submit button. Later: "Configure", and under "Use custom credentials" paste
//!    new values; the stored secret is never shown again, only "•••• last4".

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use vestibule_core::api::{
    Connection, ConnectionAudience, ConnectionList, CreateConnection, InstanceEnvironment,
    UpdateConnection,
};
use vestibule_core::connection_check::GuideStep;
use vestibule_core::validation;
use vestibule_core::{ErrorCode, ProviderId};
use wasm_bindgen::JsCast;

mod check;
mod check_json;
mod check_text;

use check::{DialogCheck, RowCheck};

use crate::api::RequestError;
use crate::appearance::Appearance;
use crate::context::{Vestibule, use_vestibule_for};
use crate::i18n::{AdminMessages, Locale, fill};
use crate::icons::ProviderLogo;
use crate::inline_confirm::InlineConfirm;
use crate::root::Root;
use crate::user_profile::request_error_sentence;

/// The SSO connections page of the dashboard. Needs the admin session cookie
/// (`POST /v1/admin/session`); talks to `/v1/admin/connections`.
#[component]
pub fn ConnectionSettings(
    /// Extra classes on the root element.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Called after every saved change (add, edit, enable, disable, delete).
    #[prop(optional)]
    on_change: Option<Callback<()>>,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
) -> impl IntoView {
    let (vst, locale, appearance) = use_vestibule_for(locale, appearance);
    crate::style::mount(crate::style::USER);
    crate::style::mount(crate::style::ADMIN);

    let list = LocalResource::new(move || async move {
        vst.api()
            .get::<ConnectionList>("/v1/admin/connections")
            .await
    });
    let changed = move || {
        list.refetch();
        if let Some(cb) = on_change {
            cb.run(());
        }
    };
    let dialog = RwSignal::new(None::<DialogMode>);
    let confirm_delete = RwSignal::new(None::<String>);
    let row_error = RwSignal::new(None::<(String, RequestError)>);
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);

    let toggle = Action::new_local(move |(id, enabled): &(String, bool)| {
        let id = id.clone();
        let body = UpdateConnection {
            enabled_for_sign_in: Some(*enabled),
            ..Default::default()
        };
        async move {
            let path = format!("/v1/admin/connections/{id}");
            match vst.api().send::<_, ()>("PATCH", &path, &body).await {
                Ok(_) => {
                    row_error.set(None);
                    changed();
                }
                Err(e) => row_error.set(Some((id, e))),
            }
        }
    });
    let delete = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let path = format!("/v1/admin/connections/{id}");
            match vst.api().send_empty("DELETE", &path).await {
                Ok(()) => {
                    row_error.set(None);
                    changed();
                }
                Err(e) => row_error.set(Some((id, e))),
            }
        }
    });

    let open_dialog = move |mode: DialogMode| {
        opener.set_value(
            document()
                .active_element()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        );
        dialog.set(Some(mode));
    };
    let close_dialog = Callback::new(move |_: ()| {
        dialog.set(None);
        // Back to the button that opened the dialog, so keyboard users keep their place.
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    });
    let saved = Callback::new(move |_: ()| {
        changed();
        close_dialog.run(());
    });

    view! {
        <Root block="connection-settings" class appearance locale>
            <div class="vst-page">
                <div class="vst-section__header">
                    <div>
                        <h1 class="vst-page__title" data-testid="connection-settings-title">
                            {move || locale.get().admin().sso_title}
                        </h1>
                        <p class="vst-page__subtitle">{move || locale.get().admin().sso_subtitle}</p>
                    </div>
                    <button
                        type="button"
                        class="vst-button vst-button--primary"
                        data-testid="add-connection"
                        aria-haspopup="dialog"
                        disabled=move || !matches!(list.get(), Some(Ok(_)))
                        on:click=move |_| open_dialog(DialogMode::Add)
                    >
                        "+ " {move || locale.get().admin().add_connection}
                    </button>
                </div>
                <section class="vst-section" data-testid="connection-list">
                    // No Transition: a LocalResource keeps its last value while it reloads,
                    // so the list never flashes, and Suspense would cost bytes for nothing.
                    {move || {
                            let lc = locale.get();
                            let Some(result) = list.get() else {
                                return view! {
                                    <p class="vst-card__status" data-testid="connection-list-loading">
                                        <span class="vst-spinner" aria-hidden="true"></span>
                                    </p>
                                }
                                .into_any();
                            };
                            match result {
                                Err(e) => view! {
                                    <p class="vst-field__error" role="alert" data-testid="connection-list-error"
                                        data-error-code=e.code().map(ErrorCode::as_str)>
                                        {request_error_sentence(lc, &e)}
                                    </p>
                                }
                                .into_any(),
                                Ok(list) if list.connections.is_empty() => view! {
                                    <p class="vst-list__meta" data-testid="connection-list-empty">
                                        {lc.admin().no_admin_connections}
                                    </p>
                                }
                                .into_any(),
                                Ok(list) => view! {
                                    <ul class="vst-list">
                                        {list
                                            .connections
                                            .into_iter()
                                            .map(|c| {
                                                connection_row(RowContext {
                                                    lc,
                                                    connection: c,
                                                    confirm_delete,
                                                    row_error,
                                                    toggle,
                                                    delete,
                                                    on_configure: Callback::new(move |c: Connection| {
                                                        open_dialog(DialogMode::Edit(c))
                                                    }),
                                                })
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                .into_any(),
                            }
                        }}
                </section>
            </div>
            {move || {
                let mode = dialog.get()?;
                let Some(Ok(list)) = list.get() else { return None };
                Some(view! {
                    <ConnectionDialog
                        vst
                        locale
                        mode
                        environment=list.environment
                        callback_url=list.callback_url.clone()
                        existing=list.connections.iter().map(|c| c.provider).collect()
                        on_close=close_dialog
                        on_saved=saved
                    />
                })
            }}
        </Root>
    }
}

/// Adding a new connection, or configuring an existing one.
#[derive(Debug, Clone, PartialEq)]
enum DialogMode {
    Add,
    Edit(Connection),
}

struct RowContext {
    lc: Locale,
    connection: Connection,
    confirm_delete: RwSignal<Option<String>>,
    row_error: RwSignal<Option<(String, RequestError)>>,
    toggle: Action<(String, bool), ()>,
    delete: Action<String, ()>,
    on_configure: Callback<Connection>,
}

/// True when the connection uses custom credentials but lacks the ID or the secret.
fn incomplete(c: &Connection) -> bool {
    c.use_custom_credentials && (c.client_id.is_none() || !c.client_secret_set)
}

fn connection_row(cx: RowContext) -> impl IntoView {
    let RowContext {
        lc,
        connection: c,
        confirm_delete,
        row_error,
        toggle,
        delete,
        on_configure,
    } = cx;
    let t = lc.admin();
    let provider = c.provider;
    let name = provider.info().display_name;
    let id = c.id.clone();
    let enabled = c.enabled_for_sign_in;
    let credentials = if c.use_custom_credentials {
        let secret = c
            .client_secret_last4
            .as_deref()
            .map(|l| format!(" · {} ••••\u{a0}{l}", t.client_secret))
            .unwrap_or_default();
        format!(
            "{} · {}: {}{secret}",
            t.custom_credentials_badge,
            t.client_id,
            c.client_id.as_deref().unwrap_or("—")
        )
    } else {
        t.shared_credentials_badge.to_owned()
    };
    let is_incomplete = incomplete(&c);
    let (id_toggle, id_delete, id_confirm, id_cancel_check, id_error) =
        (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let confirm_text = fill(t.delete_confirm, &[("provider", name)]);
    let for_edit = c.clone();
    let row_id = id.clone();
    let check_id = id.clone();
    view! {
        <li
            class="vst-list__item"
            data-testid=format!("connection-{}", provider.as_str())
            data-connection-id=row_id
            data-enabled=enabled.to_string()
        >
            <ProviderLogo provider/>
            <div class="vst-list__main">
                <span class="vst-list__title">
                    {name}
                    <span
                        class=if enabled { "vst-badge vst-badge--success" } else { "vst-badge" }
                        data-testid="connection-status"
                    >
                        {if enabled { t.status_enabled } else { t.status_disabled }}
                    </span>
                    {is_incomplete.then(|| view! {
                        <span class="vst-badge vst-badge--warning" data-testid="connection-incomplete">
                            {t.incomplete_badge}
                        </span>
                    })}
                </span>
                <span class="vst-list__meta" data-testid="connection-credentials">{credentials}</span>
            </div>
            <div class="vst-list__actions">
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid="connection-configure"
                    aria-haspopup="dialog"
                    on:click=move |_| on_configure.run(for_edit.clone())
                >
                    {t.configure}
                </button>
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid="connection-toggle"
                    disabled=move || toggle.pending().get()
                    on:click=move |_| { toggle.dispatch((id_toggle.clone(), !enabled)); }
                >
                    {if enabled { t.disable } else { t.enable }}
                </button>
                <button
                    type="button"
                    class="vst-button vst-button--ghost vst-button--small"
                    data-testid="connection-delete"
                    aria-expanded=move || {
                        if confirm_delete.with(|d| d.as_deref() == Some(id_cancel_check.as_str())) { "true" } else { "false" }
                    }
                    on:click=move |_| confirm_delete.set(Some(id_delete.clone()))
                >
                    {t.delete}
                </button>
            </div>
            <RowCheck locale=lc connection_id=check_id/>
            {move || confirm_delete.with(|d| d.as_deref() == Some(id_confirm.as_str())).then(|| {
                let id = id.clone();
                view! {
                    <InlineConfirm
                        message=confirm_text.clone()
                        confirm_label=t.delete
                        cancel_label=lc.messages().cancel
                        testid="connection-delete"
                        pending=delete.pending()
                        on_confirm=Callback::new(move |()| {
                            confirm_delete.set(None);
                            delete.dispatch(id.clone());
                        })
                        on_cancel=Callback::new(move |()| confirm_delete.set(None))
                    />
                }
            })}
            {move || row_error.with(|e| match e {
                Some((failed, e)) if *failed == id_error => Some(view! {
                    <p class="vst-field__error" role="alert" data-testid="connection-error"
                        data-error-code=e.code().map(ErrorCode::as_str)>
                        {request_error_sentence(lc, e)}
                    </p>
                }),
                _ => None,
            })}
        </li>
    }
}

/// Where the add dialog is: choosing the audience, then the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddStep {
    Audience,
    Form,
}

/// Errors of one form submission: beside a field (`client_id`, ...) or for the whole form.
#[derive(Debug, Clone, Default, PartialEq)]
struct FormErrors {
    fields: Vec<(String, String, Option<ErrorCode>)>,
    general: Option<(String, Option<ErrorCode>)>,
}

impl FormErrors {
    fn field(&self, name: &str) -> Option<(String, Option<ErrorCode>)> {
        self.fields
            .iter()
            .find(|(f, _, _)| f == name)
            .map(|(_, s, c)| (s.clone(), *c))
    }
}

/// What a submission sends.
enum Save {
    Create(CreateConnection),
    Update(String, UpdateConnection),
}

/// The fields a server error can be shown beside; others go on top of the form.
const FORM_FIELDS: &[&str] = &[
    "provider",
    "use_custom_credentials",
    "client_id",
    "client_secret",
    "scopes",
];

#[component]
fn ConnectionDialog(
    vst: Vestibule,
    locale: Signal<Locale>,
    mode: DialogMode,
    environment: InstanceEnvironment,
    callback_url: String,
    /// Providers that have a connection already (one connection per provider).
    existing: Vec<ProviderId>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let production = environment == InstanceEnvironment::Production;
    let editing = match &mode {
        DialogMode::Edit(c) => Some(c.clone()),
        DialogMode::Add => None,
    };
    let step = RwSignal::new(if editing.is_some() {
        AddStep::Form
    } else {
        AddStep::Audience
    });
    let provider = RwSignal::new(editing.as_ref().map(|c| c.provider));
    let enabled = RwSignal::new(editing.as_ref().is_none_or(|c| c.enabled_for_sign_in));
    let custom =
        RwSignal::new(production || editing.as_ref().is_some_and(|c| c.use_custom_credentials));
    let client_id = RwSignal::new(
        editing
            .as_ref()
            .and_then(|c| c.client_id.clone())
            .unwrap_or_default(),
    );
    let client_secret = RwSignal::new(String::new());
    let default_scopes = |p: ProviderId| p.info().default_scopes.join(" ");
    let scopes = RwSignal::new(
        editing
            .as_ref()
            .map(|c| c.scopes.join(" "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_scopes(ProviderId::Atlassian)),
    );
    let errors = RwSignal::new(FormErrors::default());
    let copied = RwSignal::new(false);
    let dialog_ref = NodeRef::<html::Div>::new();
    let secret_last4 = editing.as_ref().and_then(|c| c.client_secret_last4.clone());
    let connection_id = editing.as_ref().map(|c| c.id.clone());

    let check_values = check::dialog_values(
        provider,
        connection_id.clone(),
        custom,
        client_id,
        client_secret,
        scopes,
    );
    let has_stored_secret = secret_last4.is_some();
    let save = Action::new_local(move |save: &Save| {
        let request = match save {
            Save::Create(body) => (
                "POST".to_owned(),
                "/v1/admin/connections".to_owned(),
                serde_json::to_value(body),
            ),
            Save::Update(id, body) => (
                "PATCH".to_owned(),
                format!("/v1/admin/connections/{id}"),
                serde_json::to_value(body),
            ),
        };
        async move {
            let (method, path, body) = request;
            let Ok(body) = body else { return };
            match vst.api().send::<_, ()>(&method, &path, &body).await {
                Ok(_) => on_saved.run(()),
                Err(e) => {
                    let lc = locale.get_untracked();
                    let left_empty = match e.field() {
                        Some("client_id") => client_id.with_untracked(|v| v.trim().is_empty()),
                        Some("client_secret") => {
                            client_secret.with_untracked(|v| v.trim().is_empty())
                                && !has_stored_secret
                        }
                        _ => false,
                    };
                    // "Please check this value" says little about a field left empty.
                    let sentence = if left_empty && e.code() == Some(ErrorCode::InvalidField) {
                        lc.admin().field_required.to_owned()
                    } else {
                        request_error_sentence(lc, &e)
                    };
                    let mut out = FormErrors::default();
                    match e.field().filter(|f| FORM_FIELDS.contains(f)) {
                        Some(field) => out.fields.push((field.to_owned(), sentence, e.code())),
                        None => out.general = Some((sentence, e.code())),
                    }
                    errors.set(out);
                }
            }
        }
    });

    let submit = Callback::new(move |_: ()| {
        let lc = locale.get_untracked();
        let t = lc.messages();
        let mut out = FormErrors::default();
        let Some(p) = provider.get_untracked() else {
            out.fields
                .push(("provider".into(), lc.admin().field_required.into(), None));
            errors.set(out);
            return;
        };
        let use_custom = custom.get_untracked();
        // Format is checked here; a missing value is left to the server, whose answer
        // (`custom_credentials_required`, with the field) then shows beside the field.
        let mut checked = |field: &'static str, value: String| -> Option<String> {
            if value.trim().is_empty() {
                return None;
            }
            match validation::credential(field, &value) {
                Ok(v) => Some(v),
                Err(e) => {
                    out.fields
                        .push((field.into(), t.error(e.code).into(), Some(e.code)));
                    None
                }
            }
        };
        let id = if use_custom {
            checked("client_id", client_id.get_untracked())
        } else {
            None
        };
        let secret = if use_custom {
            checked("client_secret", client_secret.get_untracked())
        } else {
            None
        };
        let scope_list = if use_custom {
            match validation::scopes(p.info(), &[scopes.get_untracked()]) {
                Ok(s) => Some(s),
                Err(e) => {
                    out.fields
                        .push(("scopes".into(), t.error(e.code).into(), Some(e.code)));
                    None
                }
            }
        } else {
            None
        };
        if !out.fields.is_empty() {
            errors.set(out);
            return;
        }
        errors.set(FormErrors::default());
        let request = match &connection_id {
            None => Save::Create(CreateConnection {
                provider: p,
                audience: ConnectionAudience::AllUsers,
                enabled_for_sign_in: enabled.get_untracked(),
                use_custom_credentials: use_custom,
                client_id: id,
                client_secret: secret,
                scopes: scope_list,
            }),
            Some(cid) => Save::Update(
                cid.clone(),
                UpdateConnection {
                    enabled_for_sign_in: Some(enabled.get_untracked()),
                    use_custom_credentials: Some(use_custom),
                    client_id: id,
                    // Absent keeps the stored secret.
                    client_secret: secret,
                    scopes: scope_list,
                },
            ),
        };
        save.dispatch(request);
    });

    // Focus stays inside the dialog: Tab from the last control goes to the first, and
    // Shift+Tab from the first to the last. Escape closes.
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_close.run(());
        }
        "Tab" => {
            let Some(dialog) = dialog_ref.get_untracked() else {
                return;
            };
            let items = focusable(&dialog);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                return;
            };
            let active = document().active_element();
            let is = |el: &web_sys::HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
            };
            let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
            if ev.shift_key() && (is(first) || !inside) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && (is(last) || !inside) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        _ => {}
    };
    // On opening and on each step, focus the first control of the dialog (in a timeout,
    // once the step's controls are in the document).
    Effect::new(move |_| {
        step.track();
        if dialog_ref.get().is_some() {
            set_timeout(
                move || {
                    if let Some(dialog) = dialog_ref.get_untracked()
                        && let Some(first) = focusable(&dialog).into_iter().next()
                    {
                        let _ = first.focus();
                    }
                },
                std::time::Duration::ZERO,
            );
        }
    });

    let copy = {
        let url = callback_url.clone();
        move |_| {
            let url = url.clone();
            leptos::task::spawn_local(async move {
                let clipboard = window().navigator().clipboard();
                let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&url))
                    .await
                    .is_ok();
                if ok {
                    copied.set(true);
                } else if let Some(input) = document()
                    .get_element_by_id("vst-connection-callback-url")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    // No clipboard permission: select the URL so Ctrl+C copies it.
                    input.select();
                }
            });
        }
    };

    let is_edit = editing.is_some();
    let title_id = "vst-connection-dialog-title";
    view! {
        <div class="vst-dialog__backdrop" on:click=move |ev| {
            // Only a click on the backdrop itself, not one inside the dialog.
            if ev.target() == ev.current_target() {
                on_close.run(());
            }
        }>
            <div
                class="vst-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                node_ref=dialog_ref
                data-testid="connection-dialog"
                data-mode=if is_edit { "edit" } else { "add" }
                on:keydown=on_keydown
            >
                {move || {
                    let lc = locale.get();
                    let t = lc.admin();
                    let title = match (is_edit, provider.get()) {
                        (true, Some(p)) => fill(t.edit_connection_title, &[("provider", p.info().display_name)]),
                        _ => t.add_connection.to_owned(),
                    };
                    view! {
                        <div class="vst-dialog__header">
                            <h2 class="vst-dialog__title" id=title_id data-testid="connection-dialog-title">{title}</h2>
                            <button
                                type="button"
                                class="vst-button vst-button--ghost vst-button--small"
                                aria-label=lc.messages().close
                                data-testid="connection-close"
                                on:click=move |_| on_close.run(())
                            >
                                "×"
                            </button>
                        </div>
                    }
                }}
                {move || {
                    let lc = locale.get();
                    let t = lc.admin();
                    let (existing, callback_url, secret_last4, copy) =
                        (existing.clone(), callback_url.clone(), secret_last4.clone(), copy.clone());
                    match step.get() {
                        AddStep::Audience => audience_step(t, step).into_any(),
                        AddStep::Form => view! {
                            <form
                                class="vst-dialog__body"
                                novalidate=true
                                on:submit=move |ev| {
                                    ev.prevent_default();
                                    submit.run(());
                                }
                            >
                                {is_edit.then(|| view! {
                                    <p class="vst-field__hint" data-testid="connection-edit-hint">{t.edit_connection_hint}</p>
                                })}
                                {move || errors.get().general.map(|(sentence, code)| view! {
                                    <div class="vst-alert vst-alert--error" role="alert" data-testid="connection-form-error"
                                        data-error-code=code.map(ErrorCode::as_str)>
                                        <p class="vst-alert__text">{sentence}</p>
                                    </div>
                                })}
                                <ProviderField t provider existing=existing.clone() is_edit errors scopes/>
                                {move || provider.get().is_some().then(|| view! {
                                    <CredentialsFields
                                        t
                                        production
                                        enabled
                                        custom
                                        client_id
                                        client_secret
                                        scopes
                                        errors
                                        callback_url=callback_url.clone()
                                        secret_last4=secret_last4.clone()
                                        copied
                                        on_copy=Callback::new(copy.clone())
                                    />
                                })}
                                {move || provider.get().is_some().then(|| view! {
                                    <DialogCheck locale values=check_values/>
                                })}
                                <div class="vst-dialog__footer">
                                    {(!is_edit).then(|| view! {
                                        <button
                                            type="button"
                                            class="vst-button vst-button--ghost"
                                            data-testid="connection-back"
                                            on:click=move |_| step.set(AddStep::Audience)
                                        >
                                            {t.back}
                                        </button>
                                    })}
                                    <button
                                        type="button"
                                        class="vst-button vst-button--secondary"
                                        data-testid="connection-cancel"
                                        on:click=move |_| on_close.run(())
                                    >
                                        {lc.messages().cancel}
                                    </button>
                                    <button
                                        type="submit"
                                        class="vst-button vst-button--primary"
                                        data-testid="connection-submit"
                                        disabled=move || save.pending().get()
                                    >
                                        {move || {
                                            if save.pending().get() {
                                                t.saving
                                            } else if is_edit {
                                                t.save
                                            } else {
                                                t.add_connection
                                            }
                                        }}
                                    </button>
                                </div>
                            </form>
                        }
                        .into_any(),
                    }
                }}
            </div>
        </div>
    }
}

/// Everything in `root` that Tab can reach, in document order.
fn focusable(root: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let selector = "a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),\
                    textarea:not([disabled]),[tabindex]:not([tabindex='-1'])";
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// Step one of adding: who the connection is for.
fn audience_step(t: &'static AdminMessages, step: RwSignal<AddStep>) -> impl IntoView {
    view! {
        <div class="vst-dialog__body" role="group" aria-label=t.add_connection>
            <button
                type="button"
                class="vst-choice"
                data-testid="connection-audience-all-users"
                on:click=move |_| step.set(AddStep::Form)
            >
                <span>
                    <span class="vst-choice__title">{t.for_all_users}</span>
                    <span class="vst-choice__hint">{t.for_all_users_hint}</span>
                </span>
            </button>
            <button
                type="button"
                class="vst-choice"
                data-testid="connection-audience-specific-domains"
                disabled=true
                aria-describedby="vst-specific-domains-later"
            >
                <span>
                    <span class="vst-choice__title">
                        {t.for_specific_domains}
                        <span class="vst-badge" id="vst-specific-domains-later">{t.coming_later}</span>
                    </span>
                    <span class="vst-choice__hint">{t.for_specific_domains_hint}</span>
                </span>
            </button>
        </div>
    }
}

/// The error sentence under a field, tied to it by `aria-describedby`.
fn field_error(errors: RwSignal<FormErrors>, field: &'static str) -> impl IntoView {
    move || {
        errors.with(|e| e.field(field)).map(|(sentence, code)| {
            view! {
                <p
                    class="vst-field__error"
                    id=format!("vst-connection-{field}-error")
                    data-testid=format!("connection-{}-error", field.replace('_', "-"))
                    data-error-code=code.map(ErrorCode::as_str)
                    role="alert"
                >
                    {sentence}
                </p>
            }
        })
    }
}

fn invalid(errors: RwSignal<FormErrors>, field: &'static str) -> impl Fn() -> Option<&'static str> {
    move || errors.with(|e| e.field(field).is_some()).then_some("true")
}

fn described_by(
    errors: RwSignal<FormErrors>,
    field: &'static str,
    hint: Option<&'static str>,
) -> impl Fn() -> String {
    move || {
        let mut ids = hint.map(str::to_owned).unwrap_or_default();
        if errors.with(|e| e.field(field).is_some()) {
            if !ids.is_empty() {
                ids.push(' ');
            }
            ids.push_str(&format!("vst-connection-{field}-error"));
        }
        ids
    }
}

#[component]
fn ProviderField(
    t: &'static AdminMessages,
    provider: RwSignal<Option<ProviderId>>,
    existing: Vec<ProviderId>,
    is_edit: bool,
    errors: RwSignal<FormErrors>,
    scopes: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="vst-field">
            <label class="vst-field__label" for="vst-connection-provider">{t.choose_provider}</label>
            <select
                class="vst-select"
                id="vst-connection-provider"
                data-testid="connection-provider"
                disabled=is_edit
                aria-invalid=invalid(errors, "provider")
                aria-describedby=described_by(errors, "provider", None)
                prop:value=move || provider.get().map(ProviderId::as_str).unwrap_or("")
                on:change=move |ev| {
                    let chosen = ProviderId::parse(&event_target_value(&ev));
                    if let Some(p) = chosen {
                        scopes.set(p.info().default_scopes.join(" "));
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
            {field_error(errors, "provider")}
        </div>
    }
}

#[component]
fn CredentialsFields(
    t: &'static AdminMessages,
    production: bool,
    enabled: RwSignal<bool>,
    custom: RwSignal<bool>,
    client_id: RwSignal<String>,
    client_secret: RwSignal<String>,
    scopes: RwSignal<String>,
    errors: RwSignal<FormErrors>,
    callback_url: String,
    secret_last4: Option<String>,
    copied: RwSignal<bool>,
    on_copy: Callback<leptos::ev::MouseEvent>,
) -> impl IntoView {
    let console = ProviderId::Atlassian.info().console_url;
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
                aria-describedby="vst-connection-enabled-hint"
                bind:checked=enabled
            />
            <span class="vst-switch__text">
                <span class="vst-field__label">{t.enable_for_sign_in}</span>
                <span class="vst-field__hint" id="vst-connection-enabled-hint">{t.enable_for_sign_in_hint}</span>
            </span>
        </label>
        <label class="vst-switch">
            <input
                type="checkbox"
                role="switch"
                class="vst-switch__input"
                data-testid="connection-custom-credentials"
                aria-describedby=described_by(errors, "use_custom_credentials", Some("vst-connection-custom-hint"))
                disabled=production
                bind:checked=custom
            />
            <span class="vst-switch__text">
                <span class="vst-field__label">{t.use_custom_credentials}</span>
                <span class="vst-field__hint" id="vst-connection-custom-hint">
                    {if production { t.custom_credentials_locked } else { t.use_custom_credentials_hint }}
                </span>
            </span>
        </label>
        {field_error(errors, "use_custom_credentials")}
        {move || {
            if !custom.get() {
                return view! {
                    <p class="vst-field__hint" data-testid="connection-shared-note">{t.shared_credentials_note}</p>
                }
                .into_any();
            }
            let secret_hint = secret_last4
                .clone()
                .map(|l| fill(t.client_secret_stored, &[("last4", &l)]));
            let has_secret_hint = secret_hint.is_some();
            view! {
                <div class="vst-field">
                    <label class="vst-field__label" for="vst-connection-callback-url">{t.callback_url}</label>
                    <div class="vst-input-group">
                        <input
                            class="vst-input"
                            id="vst-connection-callback-url"
                            type="text"
                            readonly=true
                            value=callback_url.clone()
                            aria-describedby="vst-connection-callback-hint"
                            data-testid="connection-callback-url"
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
                            on:click=move |ev| on_copy.run(ev)
                        >
                            {move || if copied.get() { t.copied } else { t.copy }}
                        </button>
                    </div>
                    <p class="vst-field__hint" id="vst-connection-callback-hint">{t.callback_url_hint}</p>
                </div>
                <div class="vst-field" data-testid="connection-guide">
                    <span class="vst-field__label">{t.guide_title}</span>
                    <ol class="vst-guide">
                        <li>
                            <a href=console target="_blank" rel="noopener noreferrer" data-testid="connection-guide-console">
                                {t.guide_console}
                            </a>
                        </li>
                        <li>{t.guide_create_app}</li>
                        <li id=GuideStep::IdentityScope.anchor() data-testid="connection-guide-identity-scope">{t.guide_identity_scope}</li>
                        <li id=GuideStep::Callback.anchor()>{t.guide_callback}</li>
                        <li id=GuideStep::Distribution.anchor() data-testid="connection-guide-distribution">{t.guide_distribution}</li>
                        <li id=GuideStep::Credentials.anchor()>{t.guide_credentials}</li>
                    </ol>
                </div>
                <div class="vst-field">
                    <label class="vst-field__label" for="vst-connection-client_id">{t.client_id}</label>
                    <input
                        class="vst-input"
                        id="vst-connection-client_id"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        data-testid="connection-client-id"
                        aria-invalid=invalid(errors, "client_id")
                        aria-describedby=described_by(errors, "client_id", None)
                        bind:value=client_id
                    />
                    {field_error(errors, "client_id")}
                </div>
                <div class="vst-field">
                    <label class="vst-field__label" for="vst-connection-client_secret">{t.client_secret}</label>
                    <input
                        class="vst-input"
                        id="vst-connection-client_secret"
                        type="password"
                        autocomplete="new-password"
                        data-testid="connection-client-secret"
                        aria-invalid=invalid(errors, "client_secret")
                        aria-describedby=described_by(
                            errors,
                            "client_secret",
                            has_secret_hint.then_some("vst-connection-secret-stored"),
                        )
                        bind:value=client_secret
                    />
                    {secret_hint.map(|hint| view! {
                        <p class="vst-field__hint" id="vst-connection-secret-stored" data-testid="connection-client-secret-stored">
                            {hint}
                        </p>
                    })}
                    {field_error(errors, "client_secret")}
                </div>
                <div class="vst-field">
                    <label class="vst-field__label" for="vst-connection-scopes">{t.scopes}</label>
                    <input
                        class="vst-input"
                        id="vst-connection-scopes"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        data-testid="connection-scopes"
                        aria-invalid=invalid(errors, "scopes")
                        aria-describedby=described_by(errors, "scopes", Some("vst-connection-scopes-hint"))
                        bind:value=scopes
                    />
                    <p class="vst-field__hint" id="vst-connection-scopes-hint">{t.scopes_hint}</p>
                    {field_error(errors, "scopes")}
                </div>
            }
            .into_any()
        }}
    }
}
