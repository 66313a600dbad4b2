//! One connection in the list: its state and credentials at a glance, and its actions
//! (configure, enable or disable, delete after asking), with the error of the last one.

use leptos::prelude::*;
use vestibule_core::ErrorCode;
use vestibule_core::api::{Connection, UpdateConnection};

use super::check::RowCheck;
use crate::api::RequestError;
use crate::context::Vestibule;
use crate::i18n::{AdminMessages, Locale, fill};
use crate::icons::ProviderLogo;
use crate::inline_confirm::InlineConfirm;
use crate::user_profile::request_error_sentence;
use crate::write::Writes;

/// What every row does, shared by all rows of one list (so one row's confirmation or
/// error closes another's).
#[derive(Clone, Copy)]
pub(super) struct RowActions {
    /// The id of the connection whose delete is waiting for confirmation.
    confirm_delete: RwSignal<Option<String>>,
    /// The last failed action, by connection id; translated when drawn.
    error: RwSignal<Option<(String, RequestError)>>,
    /// Enabling or disabling, and deleting, on their way (each disables its buttons).
    toggling: Writes,
    deleting: Writes,
    configure: Callback<Connection>,
    vst: Vestibule,
    changed: Callback<()>,
}

impl RowActions {
    /// Actions that call `changed` after each saved change, and `configure` to open the
    /// dialog on a connection.
    pub fn new(vst: Vestibule, changed: Callback<()>, configure: Callback<Connection>) -> Self {
        Self {
            confirm_delete: RwSignal::new(None),
            error: RwSignal::new(None),
            toggling: Writes::new(),
            deleting: Writes::new(),
            configure,
            vst,
            changed,
        }
    }

    /// Enables or disables the connection for sign-in.
    fn toggle(self, id: String, enabled: bool) {
        let body = UpdateConnection {
            enabled_for_sign_in: Some(enabled),
            ..Default::default()
        };
        self.toggling.run(async move {
            let path = format!("/v1/admin/connections/{id}");
            let result = self.vst.api().send::<_, ()>("PATCH", &path, &body).await;
            self.finish(id, result);
        });
    }

    /// Deletes the connection (once confirmed).
    fn delete(self, id: String) {
        self.deleting.run(async move {
            let path = format!("/v1/admin/connections/{id}");
            let result = self.vst.api().send_empty("DELETE", &path).await;
            self.finish(id, result);
        });
    }

    fn finish(self, id: String, result: Result<(), RequestError>) {
        match result {
            Ok(()) => {
                self.error.try_set(None);
                self.changed.run(());
            }
            Err(e) => {
                self.error.try_set(Some((id, e)));
            }
        }
    }
}

/// True when the connection uses custom credentials but lacks the ID or the secret.
fn incomplete(c: &Connection) -> bool {
    c.use_custom_credentials && (c.client_id.is_none() || !c.client_secret_set)
}

/// "Custom credentials · Client ID: abc · Client Secret •••• wxyz", or "Shared credentials".
fn credentials_summary(t: &AdminMessages, c: &Connection) -> String {
    if !c.use_custom_credentials {
        return t.shared_credentials_badge.to_owned();
    }
    // A short secret's last four are withheld: then only that one is stored.
    let secret = match (c.client_secret_last4.as_deref(), c.client_secret_set) {
        (Some(l), _) => format!(" · {} ••••\u{a0}{l}", t.client_secret),
        (None, true) => format!(" · {} ••••", t.client_secret),
        (None, false) => String::new(),
    };
    format!(
        "{} · {}: {}{secret}",
        t.custom_credentials_badge,
        t.client_id,
        c.client_id.as_deref().unwrap_or("—")
    )
}

/// One row of the connection list.
#[component]
pub(super) fn ConnectionRow(
    /// The language the list is drawn in.
    lc: Locale,
    /// The connection as the admin API returned it.
    connection: Connection,
    /// The list's shared actions.
    actions: RowActions,
) -> impl IntoView {
    let t = lc.admin();
    let provider = connection.provider;
    let name = provider.info().display_name;
    let enabled = connection.enabled_for_sign_in;
    let id = StoredValue::new(connection.id.clone());
    let is_this = move |other: &Option<String>| id.with_value(|id| other.as_deref() == Some(id));
    let RowActions {
        confirm_delete,
        error,
        configure,
        ..
    } = actions;
    let credentials = credentials_summary(t, &connection);
    let is_incomplete = incomplete(&connection);
    let confirm_text = fill(t.delete_confirm, &[("provider", name)]);
    view! {
        <li
            class="vst-list__item"
            data-testid=format!("connection-{}", provider.as_str())
            data-connection-id=id.get_value()
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
                    on:click=move |_| configure.run(connection.clone())
                >
                    {t.configure}
                </button>
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid="connection-toggle"
                    disabled=move || actions.toggling.pending()
                    on:click=move |_| actions.toggle(id.get_value(), !enabled)
                >
                    {if enabled { t.disable } else { t.enable }}
                </button>
                <button
                    type="button"
                    class="vst-button vst-button--ghost vst-button--small"
                    data-testid="connection-delete"
                    aria-expanded=move || if confirm_delete.with(is_this) { "true" } else { "false" }
                    on:click=move |_| confirm_delete.set(Some(id.get_value()))
                >
                    {t.delete}
                </button>
            </div>
            <RowCheck locale=lc connection_id=id.get_value()/>
            {move || confirm_delete.with(is_this).then(|| view! {
                <InlineConfirm
                    message=confirm_text.clone()
                    confirm_label=t.delete
                    cancel_label=lc.messages().cancel
                    testid="connection-delete"
                    pending=Signal::derive(move || actions.deleting.pending())
                    on_confirm=Callback::new(move |()| {
                        confirm_delete.set(None);
                        actions.delete(id.get_value());
                    })
                    on_cancel=Callback::new(move |()| confirm_delete.set(None))
                />
            })}
            {move || error.with(|e| match e {
                Some((failed, e)) if id.with_value(|id| failed == id) => Some(view! {
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
