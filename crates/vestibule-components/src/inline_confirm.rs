//! `InlineConfirm`: the "are you sure?" box that opens inside a list row before something
//! is removed (a connection deleted, an external account disconnected).

use leptos::prelude::*;

/// A sentence with a danger button and a cancel button, as an inline `alertdialog`. The
/// caller decides when it shows; the box only asks.
///
/// Test ids come from `testid`: `{testid}-confirm` on the box, `{testid}-confirm-button`
/// and `{testid}-cancel` on the buttons.
#[component]
pub(crate) fn InlineConfirm(
    /// What will happen, as the user should read it.
    message: String,
    /// The danger button's label, also the dialog's accessible name ("Delete", "Disconnect").
    confirm_label: &'static str,
    /// The cancel button's label, in the caller's language.
    cancel_label: &'static str,
    /// The prefix of the test ids, such as `connection-delete`.
    testid: &'static str,
    /// True while the confirmed request is on its way; disables the danger button.
    #[prop(into)]
    pending: Signal<bool>,
    /// Called when the user confirms.
    on_confirm: Callback<()>,
    /// Called when the user cancels.
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="vst-confirm" role="alertdialog" aria-label=confirm_label data-testid=format!("{testid}-confirm")>
            <p>{message}</p>
            <div class="vst-list__actions">
                <button
                    type="button"
                    class="vst-button vst-button--danger vst-button--small"
                    data-testid=format!("{testid}-confirm-button")
                    disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())
                >
                    {confirm_label}
                </button>
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid=format!("{testid}-cancel")
                    on:click=move |_| on_cancel.run(())
                >
                    {cancel_label}
                </button>
            </div>
        </div>
    }
}
