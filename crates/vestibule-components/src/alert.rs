//! The error alert every component shows the same way: an icon, the sentence, the error
//! code as `data-error-code`, and optionally a button that hides it.

use leptos::prelude::*;
use vestibule_core::ErrorCode;

use crate::api::RequestError;
use crate::i18n::Messages;

/// The alert for an error code from the server (`?error=` after a failed flow), quoting
/// the reference of an internal error.
pub(crate) fn error_banner(
    t: &'static Messages,
    code: Option<ErrorCode>,
    reference: Option<&str>,
    testid: String,
    on_dismiss: Option<Callback<()>>,
) -> impl IntoView + use<> {
    error_alert(
        t,
        t.error_sentence(code, reference),
        code,
        testid,
        on_dismiss,
    )
}

/// The alert for a request that failed: the server's refusal, the network, or an answer
/// this version cannot read.
pub(crate) fn request_error_alert(
    t: &'static Messages,
    error: &RequestError,
    testid: &'static str,
) -> impl IntoView + use<> {
    error_alert(
        t,
        t.request_error(error),
        error.code(),
        testid.to_owned(),
        None,
    )
}

fn error_alert(
    t: &'static Messages,
    sentence: String,
    code: Option<ErrorCode>,
    testid: String,
    on_dismiss: Option<Callback<()>>,
) -> impl IntoView + use<> {
    let code_attr = code.map(ErrorCode::as_str).unwrap_or("unknown");
    let dismiss_id = format!("{testid}-dismiss");
    view! {
        <div class="vst-alert vst-alert--error" role="alert" data-testid=testid data-error-code=code_attr>
            <svg class="vst-alert__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm-.75 3.5h1.5v4.5h-1.5zm0 5.75h1.5v1.5h-1.5z"/>
            </svg>
            <p class="vst-alert__text">{sentence}</p>
            {on_dismiss.map(|cb| view! {
                <button
                    type="button"
                    class="vst-alert__dismiss"
                    aria-label=t.dismiss
                    data-testid=dismiss_id
                    on:click=move |_| cb.run(())
                >
                    "×"
                </button>
            })}
        </div>
    }
}
