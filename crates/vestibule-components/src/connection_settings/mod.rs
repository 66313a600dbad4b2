//! `<ConnectionSettings/>`: the admin's "SSO connections" page: the list of connections,
//! the "Add connection" dialog in the order of Clerk's guide "Add Atlassian as a social
//! connection", editing, enabling and disabling, and deleting.
//!
//! The guide's steps, and where each one happens here:
//! 1. "Select Add connection and select For all users" → [`dialog::AddStep::Audience`].
//! 2. "In the Choose provider dropdown, select Atlassian" → the provider `<select>`.
//! 3. "Ensure that both Enable for sign-up and sign-in and Use custom credentials are
//!    toggled on" → the two switches (custom credentials are on and locked in production).
//! 4. "Save the Callback URL somewhere secure" → the read-only field with its copy button.
//! 5. The Atlassian console steps (create the app, add the User identity API scope, paste
//!    the callback URL, set Distribution to Sharing, copy Client ID and Secret) → the hints.
//! 6. "Paste the values into their respective fields. Select Add connection" → the fields
//!    and the submit button. Later: "Configure", and under "Use custom credentials" paste
//!    new values; the stored secret is never shown again, only "•••• last4".
//!
//! Where things are: this file has the page and the list; `row` one connection in the
//! list with its actions; `dialog` the add/configure dialog and its steps; `fields` the
//! form's fields; `form` the form's values, rules and errors as plain, tested data.

mod check;
mod check_json;
mod check_text;
mod dialog;
mod fields;
mod form;
mod row;

use leptos::prelude::*;
use vestibule_core::ErrorCode;
use vestibule_core::api::{Connection, ConnectionList};

use crate::appearance::Appearance;
use crate::context::use_vestibule_for;
use crate::i18n::Locale;
use crate::root::Root;
use crate::user_profile::request_error_sentence;
use dialog::ConnectionDialog;
use form::DialogSetup;
use row::{ConnectionRow, RowActions};

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

    let list = vst.load::<ConnectionList>("/v1/admin/connections");
    let changed = Callback::new(move |()| {
        list.refetch();
        if let Some(cb) = on_change {
            cb.run(());
        }
    });
    // `Some(None)` while adding a connection, `Some(Some(c))` while configuring `c`.
    let dialog = RwSignal::new(None::<Option<Connection>>);
    let actions = RowActions::new(
        vst,
        changed,
        Callback::new(move |c: Connection| dialog.set(Some(Some(c)))),
    );
    let close_dialog = Callback::new(move |()| dialog.set(None));
    let saved = Callback::new(move |()| {
        changed.run(());
        dialog.set(None);
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
                        on:click=move |_| dialog.set(Some(None))
                    >
                        "+ " {move || locale.get().admin().add_connection}
                    </button>
                </div>
                <section class="vst-section" data-testid="connection-list">
                    {move || list_body(locale.get(), list.get(), actions)}
                </section>
            </div>
            {move || {
                let editing = dialog.get()?;
                let Some(Ok(list)) = list.get() else { return None };
                let setup = DialogSetup {
                    environment: list.environment,
                    existing: list.connections.iter().map(|c| c.provider).collect(),
                    callback_url: list.callback_url,
                    editing,
                };
                Some(view! { <ConnectionDialog vst locale setup on_close=close_dialog on_saved=saved/> })
            }}
        </Root>
    }
}

/// The list's content: a spinner while it first loads, why it failed, "none yet", or the rows.
///
/// No Transition: the list (a `Vestibule::load`, which keeps its last answer while it
/// reloads, as a LocalResource does) never flashes, and Suspense would cost bytes for
/// nothing.
fn list_body(
    lc: Locale,
    list: Option<Result<ConnectionList, crate::api::RequestError>>,
    actions: RowActions,
) -> AnyView {
    let Some(result) = list else {
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
                    .map(|connection| view! { <ConnectionRow lc connection actions/> })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    }
}
