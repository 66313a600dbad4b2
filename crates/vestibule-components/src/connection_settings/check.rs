//! "Check connection": the connection doctor's checklist, the action on each connection row
//! (checks the saved values, shows "Last checked … OK") and the action in the connection
//! dialog (checks the values in the form before they are saved).
//!
//! The server does the checking (`POST /v1/admin/connections/{id}/check` and
//! `POST /v1/admin/connections/check`); this module only asks and shows the answer, each
//! step as a translated sentence with a fix and the guide's step that fixes it.

use leptos::prelude::*;
use serde::Serialize;
use vestibule_core::connection_check::{
    CheckConnection, CheckOutcome, CheckStepResult, ConnectionCheck, GuideStep, LastConnectionCheck,
};
use vestibule_core::{ErrorCode, ProviderId};

use super::check_text::{CheckMessages, check_messages};
use crate::api::RequestError;
use crate::context::{Loaded, Vestibule, use_vestibule};
use crate::dom_id::DomIds;
use crate::i18n::{AdminMessages, Locale, fill};
use crate::user_display::date_time;
use crate::user_profile::request_error_sentence;
use crate::write::Writes;

const CHECK_CSS: (&str, &str) = ("check", include_str!("../css/check.css"));

/// What to check: a saved connection, or the dialog's values.
#[derive(Debug, Clone)]
pub(crate) enum CheckRequest {
    Saved(String),
    Unsaved(CheckConnection),
}

/// Checking a connection: whether a check is on its way, and the answer of the last one.
#[derive(Clone, Copy)]
struct CheckAction {
    vst: Vestibule,
    writes: Writes,
    answer: RwSignal<Option<Result<ConnectionCheck, RequestError>>>,
    /// The row's "Last checked" line, read again after every check run here.
    last: Option<Loaded<LastConnectionCheck>>,
}

impl CheckAction {
    fn new(vst: Vestibule, last: Option<Loaded<LastConnectionCheck>>) -> Self {
        Self {
            vst,
            writes: Writes::new(),
            answer: RwSignal::new(None),
            last,
        }
    }

    /// `POST`s the check; the answer goes to `answer`.
    fn start(self, request: CheckRequest) {
        #[derive(Serialize)]
        struct NoBody {}
        self.writes.run(async move {
            let api = self.vst.api();
            let answer = match request {
                CheckRequest::Saved(id) => {
                    let path = format!("/v1/admin/connections/{id}/check");
                    api.send("POST", &path, &NoBody {}).await
                }
                CheckRequest::Unsaved(values) => {
                    api.send("POST", "/v1/admin/connections/check", &values)
                        .await
                }
            };
            self.answer.try_set(Some(answer));
            if let Some(last) = self.last {
                last.refetch();
            }
        });
    }
}

/// A sentence with `{detail}` filled in; without a detail, the sentence ends before it.
pub(crate) fn with_detail(sentence: &str, detail: Option<&str>) -> String {
    match detail {
        Some(detail) => fill(sentence, &[("detail", detail)]),
        None => match sentence.split_once("{detail}") {
            Some((before, _)) => {
                let trimmed = before.trim_end_matches([' ', ':', '(']);
                format!("{trimmed}.")
            }
            None => sentence.to_owned(),
        },
    }
}

fn guide_sentence(t: &'static AdminMessages, guide: GuideStep) -> &'static str {
    match guide {
        GuideStep::IdentityScope => t.guide_identity_scope,
        GuideStep::Callback => t.guide_callback,
        GuideStep::Distribution => t.guide_distribution,
        GuideStep::Credentials => t.guide_credentials,
    }
}

fn summary(c: &'static CheckMessages, outcome: CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Failed => c.summary_failed,
        CheckOutcome::Warning => c.summary_warning,
        CheckOutcome::Ok | CheckOutcome::Skipped => c.summary_ok,
    }
}

/// The checklist of one check. `guide_links`: the ids of the dialog whose guide is on the
/// page, so a step links to it; without them the guide's sentence is quoted.
#[component]
pub(crate) fn CheckList(
    /// The check to show.
    check: ConnectionCheck,
    /// Language of the sentences.
    #[prop(into)]
    locale: Signal<Locale>,
    /// The ids of the dialog whose guide steps are on the page to link to.
    guide_links: Option<DomIds>,
) -> impl IntoView {
    let lc = locale.get_untracked();
    let c = check_messages(lc);
    let outcome = check.outcome;
    let steps = check
        .steps
        .into_iter()
        .map(|step| check_step(c, lc.admin(), step, guide_links))
        .collect_view();
    view! {
        <div
            class=format!("vst-check vst-check--{}", outcome.as_str())
            data-testid="connection-check"
            data-outcome=outcome.as_str()
            role="status"
        >
            <p class="vst-check__summary" data-testid="connection-check-summary">
                <strong>{c.check_title}</strong>": "{summary(c, outcome)}
            </p>
            <ul class="vst-check__list">{steps}</ul>
        </div>
    }
}

fn check_step(
    c: &'static CheckMessages,
    t: &'static AdminMessages,
    step: CheckStepResult,
    guide_links: Option<DomIds>,
) -> impl IntoView {
    let text = c.code(step.code);
    let sentence = with_detail(text.sentence, step.detail.as_deref());
    let needs_fix = matches!(step.outcome, CheckOutcome::Failed | CheckOutcome::Warning);
    let fix = text.fix.filter(|_| needs_fix);
    let guide = step.guide_step.filter(|_| needs_fix).map(|g| {
        if let Some(ids) = guide_links {
            view! {
                <a class="vst-check__guide" href=format!("#{}", ids.id(g.anchor())) data-testid="connection-check-guide">
                    {c.see_guide}
                </a>
            }
            .into_any()
        } else {
            view! {
                <span class="vst-check__guide" data-testid="connection-check-guide">{guide_sentence(t, g)}</span>
            }
            .into_any()
        }
    });
    let outcome = step.outcome.as_str();
    view! {
        <li
            class=format!("vst-check__item vst-check__item--{outcome}")
            data-testid=format!("connection-check-{}", step.step.as_str())
            data-outcome=outcome
            data-code=step.code.as_str()
        >
            <span class=format!("vst-check__mark vst-check__mark--{outcome}") aria-hidden="true"></span>
            <div class="vst-check__text">
                <span class="vst-check__title">
                    {c.step(step.step)}
                    <span class="vst-visually-hidden">" · "{c.outcome(step.outcome)}</span>
                </span>
                <span class="vst-check__sentence" data-testid="connection-check-sentence">{sentence}</span>
                {fix.map(|fix| view! { <span class="vst-check__fix" data-testid="connection-check-fix">{fix}</span> })}
                {guide}
            </div>
        </li>
    }
}

/// Pending, error or checklist: what a check action shows once it was started.
fn action_result(
    action: CheckAction,
    locale: Signal<Locale>,
    guide_links: Option<DomIds>,
) -> impl IntoView {
    move || {
        let lc = locale.get();
        let c = check_messages(lc);
        if action.writes.pending() {
            return Some(
                view! {
                    <p class="vst-check__pending" role="status" data-testid="connection-check-pending">{c.checking}</p>
                }
                .into_any(),
            );
        }
        action.answer.get().map(|result| match result {
            Ok(check) => view! { <CheckList check locale guide_links/> }.into_any(),
            Err(e) => view! {
                <p class="vst-field__error" role="alert" data-testid="connection-check-error"
                    data-error-code=e.code().map(ErrorCode::as_str)>
                    {request_error_sentence(lc, &e)}
                </p>
            }
            .into_any(),
        })
    }
}

/// On a connection row: "Check connection", the last check's time and outcome, and the
/// checklist of a check run here.
#[component]
pub(crate) fn RowCheck(
    /// Language of the sentences.
    #[prop(into)]
    locale: Signal<Locale>,
    /// The saved connection.
    connection_id: String,
) -> impl IntoView {
    crate::style::mount(CHECK_CSS);
    let vst = use_vestibule();
    let id = connection_id.clone();
    let last = vst.load::<LastConnectionCheck>(format!("/v1/admin/connections/{id}/check"));
    // Re-read after every check run here, so the line cannot go stale.
    let action = CheckAction::new(vst, Some(last));
    let last_line = move || {
        let lc = locale.get();
        let c = check_messages(lc);
        last.get().map(|answer| match answer {
            Ok(LastConnectionCheck {
                last_check: Some(check),
            }) => view! {
                <span class="vst-list__meta" data-testid="connection-last-check" data-outcome=check.outcome.as_str()>
                    {fill(c.last_checked, &[
                        ("time", &date_time(check.checked_at, lc)),
                        ("outcome", c.outcome(check.outcome)),
                    ])}
                </span>
            }
            .into_any(),
            Ok(LastConnectionCheck { last_check: None }) => view! {
                <span class="vst-list__meta" data-testid="connection-last-check" data-outcome="none">
                    {c.never_checked}
                </span>
            }
            .into_any(),
            // The row works without it; the check itself shows its own errors.
            Err(_) => ().into_any(),
        })
    };
    view! {
        <div class="vst-check-row">
            <div class="vst-check-row__bar">
                {last_line}
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid="connection-check-run"
                    disabled=move || action.writes.pending()
                    on:click=move |_| action.start(CheckRequest::Saved(connection_id.clone()))
                >
                    {move || check_messages(locale.get()).check_connection}
                </button>
            </div>
            {action_result(action, locale, None)}
        </div>
    }
}

/// In the connection dialog: "Check connection" on the form's current values. `values`
/// returns `None` when the form is not complete enough to check (it shows why itself).
#[component]
pub(crate) fn DialogCheck(
    /// Language of the sentences.
    #[prop(into)]
    locale: Signal<Locale>,
    /// The form's values as a check request.
    values: Callback<(), Option<CheckConnection>>,
    /// The dialog's ids, to link a failed step to its guide step.
    ids: DomIds,
) -> impl IntoView {
    crate::style::mount(CHECK_CSS);
    let action = CheckAction::new(use_vestibule(), None);
    view! {
        <div class="vst-check-dialog">
            <button
                type="button"
                class="vst-button vst-button--secondary"
                data-testid="connection-dialog-check"
                disabled=move || action.writes.pending()
                on:click=move |_| {
                    if let Some(values) = values.run(()) {
                        action.start(CheckRequest::Unsaved(values));
                    }
                }
            >
                {move || check_messages(locale.get()).check_connection}
            </button>
            {action_result(action, locale, Some(ids))}
        </div>
    }
}

/// The dialog's fields as a check request: empty fields are left out, so that an edit with
/// the secret left blank checks the stored secret (`connection_id`). `None` until a
/// provider is chosen.
pub(crate) fn dialog_values(
    provider: RwSignal<Option<ProviderId>>,
    connection_id: Option<String>,
    custom: RwSignal<bool>,
    client_id: RwSignal<String>,
    client_secret: RwSignal<String>,
    scopes: RwSignal<String>,
) -> Callback<(), Option<CheckConnection>> {
    let filled = |value: String| {
        let value = value.trim().to_owned();
        (!value.is_empty()).then_some(value)
    };
    Callback::new(move |_: ()| {
        Some(CheckConnection {
            provider: provider.get_untracked()?,
            connection_id: connection_id.clone(),
            use_custom_credentials: custom.get_untracked(),
            client_id: filled(client_id.get_untracked()),
            client_secret: filled(client_secret.get_untracked()),
            scopes: Some(
                scopes
                    .get_untracked()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_fill_in_or_the_sentence_ends_before_them() {
        assert_eq!(
            with_detail("Missing scope: {detail}", Some("read:me")),
            "Missing scope: read:me"
        );
        assert_eq!(
            with_detail("Missing scope: {detail}", None),
            "Missing scope."
        );
        assert_eq!(
            with_detail("Could not reach it ({detail}).", None),
            "Could not reach it."
        );
        assert_eq!(with_detail("All good.", None), "All good.");
    }
}
