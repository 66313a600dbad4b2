//! The add/configure dialog: its frame (title, close, focus kept inside, Escape), the
//! audience step of adding, and the form with its footer; saving goes through here.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use vestibule_core::ErrorCode;
use vestibule_core::ProviderId;

use super::check::{DialogCheck, dialog_values};
use super::fields::{CredentialsFields, ProviderField};
use super::form::{DialogSetup, FormErrors, FormValues, Save, build_request};
use crate::context::Vestibule;
use crate::dom_id::DomIds;
use crate::focus_trap::use_focus_trap;
use crate::i18n::{Locale, fill};
use crate::user_profile::request_error_sentence;
use crate::write::Writes;
use vestibule_core::connection_check::CheckConnection;

/// The form's values as the connection check's request.
fn check_values(state: DialogState) -> Callback<(), Option<CheckConnection>> {
    let connection_id = state
        .setup
        .with_value(|s| s.editing.as_ref().map(|c| c.id.clone()));
    dialog_values(
        state.provider,
        connection_id,
        state.custom,
        state.client_id,
        state.client_secret,
        state.scopes,
    )
}

/// Where the add dialog is: choosing the audience, then the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AddStep {
    Audience,
    Form,
}

/// Everything the dialog's parts share, as one `Copy` value: what it was opened on, the
/// form's values as signals (bound to the inputs), its errors, and this instance's ids.
#[derive(Clone, Copy)]
pub(super) struct DialogState {
    pub locale: Signal<Locale>,
    pub setup: StoredValue<DialogSetup>,
    pub ids: DomIds,
    pub step: RwSignal<AddStep>,
    pub provider: RwSignal<Option<ProviderId>>,
    pub enabled: RwSignal<bool>,
    pub custom: RwSignal<bool>,
    pub client_id: RwSignal<String>,
    pub client_secret: RwSignal<String>,
    pub scopes: RwSignal<String>,
    pub errors: RwSignal<FormErrors>,
}

impl DialogState {
    fn new(locale: Signal<Locale>, setup: DialogSetup) -> Self {
        let initial = FormValues::initial(&setup);
        let step = if setup.editing.is_some() {
            AddStep::Form
        } else {
            AddStep::Audience
        };
        Self {
            locale,
            setup: StoredValue::new(setup),
            ids: DomIds::new(),
            step: RwSignal::new(step),
            provider: RwSignal::new(initial.provider),
            enabled: RwSignal::new(initial.enabled),
            custom: RwSignal::new(initial.custom),
            client_id: RwSignal::new(initial.client_id),
            client_secret: RwSignal::new(initial.client_secret),
            scopes: RwSignal::new(initial.scopes),
            errors: RwSignal::new(FormErrors::default()),
        }
    }

    /// The values as typed, read without subscribing (for a submission).
    pub fn values(self) -> FormValues {
        FormValues {
            provider: self.provider.get_untracked(),
            enabled: self.enabled.get_untracked(),
            custom: self.custom.get_untracked(),
            client_id: self.client_id.get_untracked(),
            client_secret: self.client_secret.get_untracked(),
            scopes: self.scopes.get_untracked(),
        }
    }

    pub fn is_edit(self) -> bool {
        self.setup.with_value(|s| s.editing.is_some())
    }

    /// This dialog's id for the element called `name`, unique on the page.
    pub fn id(self, name: &str) -> String {
        self.ids.id(name)
    }
}

/// Adding a connection (`setup.editing` is `None`), or configuring one.
#[component]
pub(super) fn ConnectionDialog(
    vst: Vestibule,
    locale: Signal<Locale>,
    /// What the dialog is opened on.
    setup: DialogSetup,
    /// Called on close, cancel, Escape or a click beside the dialog.
    on_close: Callback<()>,
    /// Called once the server has saved the connection.
    on_saved: Callback<()>,
) -> impl IntoView {
    let state = DialogState::new(locale, setup);
    let dialog_ref = NodeRef::<html::Div>::new();
    let trap = use_focus_trap(dialog_ref);
    trap.remember_opener();
    // Back to the button that opened the dialog, so keyboard users keep their place.
    let close = Callback::new(move |()| {
        trap.release();
        on_close.run(());
    });

    let save = Writes::new();
    let submit = Callback::new(move |()| {
        match state
            .setup
            .with_value(|setup| build_request(&state.values(), setup))
        {
            Ok(request) => {
                state.errors.set(FormErrors::default());
                save.run(async move {
                    let api = vst.api();
                    let result = match &request {
                        Save::Create(body) => {
                            api.send::<_, ()>("POST", "/v1/admin/connections", body)
                                .await
                        }
                        Save::Update(id, body) => {
                            let path = format!("/v1/admin/connections/{id}");
                            api.send::<_, ()>("PATCH", &path, body).await
                        }
                    };
                    match result {
                        Ok(()) => {
                            trap.release();
                            on_saved.run(());
                        }
                        Err(e) => {
                            let errors = state.setup.with_value(|setup| {
                                FormErrors::from_server(e, &state.values(), setup)
                            });
                            state.errors.set(errors);
                        }
                    }
                });
            }
            Err(errors) => state.errors.set(errors),
        }
    });

    // On opening and on each step, focus the dialog's first control.
    Effect::new(move |_| {
        state.step.track();
        trap.focus_first_soon();
    });

    let title_id = state.id("vst-connection-dialog-title");
    let labelled_by = title_id.clone();
    view! {
        <div class="vst-dialog__backdrop" on:click=move |ev| {
            // Only a click on the backdrop itself, not one inside the dialog.
            if ev.target() == ev.current_target() {
                close.run(());
            }
        }>
            <div
                class="vst-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                node_ref=dialog_ref
                data-testid="connection-dialog"
                data-mode=if state.is_edit() { "edit" } else { "add" }
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close.run(());
                    } else {
                        trap.keep_tab_inside(&ev);
                    }
                }
            >
                <DialogHeader state title_id close/>
                {move || match state.step.get() {
                    AddStep::Audience => view! { <AudienceStep state/> }.into_any(),
                    AddStep::Form => view! { <ConnectionForm state submit close save/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// "Add connection" or "Configure Atlassian", and the × that closes.
#[component]
fn DialogHeader(state: DialogState, title_id: String, close: Callback<()>) -> impl IntoView {
    let title = move || {
        let t = state.locale.get().admin();
        match (state.is_edit(), state.provider.get()) {
            (true, Some(p)) => fill(
                t.edit_connection_title,
                &[("provider", p.info().display_name)],
            ),
            _ => t.add_connection.to_owned(),
        }
    };
    view! {
        <div class="vst-dialog__header">
            <h2 class="vst-dialog__title" id=title_id data-testid="connection-dialog-title">{title}</h2>
            <button
                type="button"
                class="vst-button vst-button--ghost vst-button--small"
                aria-label=move || state.locale.get().messages().close
                data-testid="connection-close"
                on:click=move |_| close.run(())
            >
                "×"
            </button>
        </div>
    }
}

/// Step one of adding: who the connection is for.
#[component]
fn AudienceStep(state: DialogState) -> impl IntoView {
    let later_id = state.id("vst-specific-domains-later");
    move || {
        let t = state.locale.get().admin();
        view! {
            <div class="vst-dialog__body" role="group" aria-label=t.add_connection>
                <button
                    type="button"
                    class="vst-choice"
                    data-testid="connection-audience-all-users"
                    on:click=move |_| state.step.set(AddStep::Form)
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
                    aria-describedby=later_id.clone()
                >
                    <span>
                        <span class="vst-choice__title">
                            {t.for_specific_domains}
                            <span class="vst-badge" id=later_id.clone()>{t.coming_later}</span>
                        </span>
                        <span class="vst-choice__hint">{t.for_specific_domains_hint}</span>
                    </span>
                </button>
            </div>
        }
    }
}

/// The form: the hint when configuring, an error no field explains, the fields (once a
/// provider is chosen) and the footer.
#[component]
fn ConnectionForm(
    state: DialogState,
    submit: Callback<()>,
    close: Callback<()>,
    save: Writes,
) -> impl IntoView {
    move || {
        let lc = state.locale.get();
        let t = lc.admin();
        view! {
            <form
                class="vst-dialog__body"
                novalidate=true
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit.run(());
                }
            >
                // "Under Use custom credentials, paste the values": only while that switch
                // is on and its fields are there to paste into.
                {move || (state.is_edit() && state.custom.get()).then(|| view! {
                    <p class="vst-field__hint" data-testid="connection-edit-hint">{t.edit_connection_hint}</p>
                })}
                {move || state.errors.with(|e| e.general.clone()).map(|e| view! {
                    <div class="vst-alert vst-alert--error" role="alert" data-testid="connection-form-error"
                        data-error-code=e.code().map(ErrorCode::as_str)>
                        <p class="vst-alert__text">{request_error_sentence(lc, &e)}</p>
                    </div>
                })}
                <ProviderField state/>
                {move || state.provider.get().is_some().then(|| view! { <CredentialsFields state/> })}
                {move || state.provider.get().is_some().then(|| view! {
                    <DialogCheck locale=state.locale values=check_values(state) ids=state.ids/>
                })}
                <DialogFooter state close save/>
            </form>
        }
    }
}

/// Back (adding only), Cancel, and the submit button with its pending state.
#[component]
fn DialogFooter(state: DialogState, close: Callback<()>, save: Writes) -> impl IntoView {
    let lc = state.locale.get_untracked();
    let t = lc.admin();
    let is_edit = state.is_edit();
    view! {
        <div class="vst-dialog__footer">
            {(!is_edit).then(|| view! {
                <button
                    type="button"
                    class="vst-button vst-button--ghost"
                    data-testid="connection-back"
                    on:click=move |_| state.step.set(AddStep::Audience)
                >
                    {t.back}
                </button>
            })}
            <button
                type="button"
                class="vst-button vst-button--secondary"
                data-testid="connection-cancel"
                on:click=move |_| close.run(())
            >
                {lc.messages().cancel}
            </button>
            <button
                type="submit"
                class="vst-button vst-button--primary"
                data-testid="connection-submit"
                disabled=move || save.pending()
            >
                {move || {
                    if save.pending() {
                        t.saving
                    } else if is_edit {
                        t.save
                    } else {
                        t.add_connection
                    }
                }}
            </button>
        </div>
    }
}
