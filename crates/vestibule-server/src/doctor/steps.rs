//! From what the probes found to the checklist: one [`CheckStepResult`] per step, each with
//! a stable code, an English sentence, a fix and the guide's step that fixes it.

use vestibule_core::api::InstanceEnvironment;
use vestibule_core::connection_check::{CheckCode, CheckOutcome, CheckStep, CheckStepResult};

use super::probe::{AuthorizeFinding, TokenFinding};

/// Atlassian's clock and ours may differ by this much before the doctor says so.
pub const CLOCK_TOLERANCE_SECS: i64 = 120;

/// Everything the checklist is made from.
pub struct Findings<'a> {
    pub authorize: &'a AuthorizeFinding,
    /// `None` when the token probe was not run (the Client ID is unknown).
    pub token: Option<&'a TokenFinding>,
    /// The scopes Atlassian refused, when it refused some.
    pub refused_scopes: &'a [String],
    pub callback_url: &'a str,
    /// The `redirect_uri` of the authorize URL sign-in builds.
    pub sent_redirect_uri: Option<&'a str>,
    pub environment: InstanceEnvironment,
    pub public_url: &'a url::Url,
    /// Our clock minus Atlassian's, when its answer carried a `Date`.
    pub skew_secs: Option<i64>,
}

fn result(
    step: CheckStep,
    outcome: CheckOutcome,
    code: CheckCode,
    message: &str,
) -> CheckStepResult {
    CheckStepResult {
        step,
        outcome,
        code,
        message: message.to_owned(),
        fix: None,
        guide_step: None,
        detail: None,
    }
}

/// The fix and the detail of a step, added where the step is made.
trait Annotate {
    fn fix(self, fix: impl Into<String>) -> Self;
    fn detail(self, detail: impl Into<String>) -> Self;
}

impl Annotate for CheckStepResult {
    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self.guide_step = self.step.guide_step();
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

fn ok(step: CheckStep, code: CheckCode, message: &str) -> CheckStepResult {
    result(step, CheckOutcome::Ok, code, message)
}

fn failed(step: CheckStep, code: CheckCode, message: &str) -> CheckStepResult {
    result(step, CheckOutcome::Failed, code, message)
}

fn not_checked(step: CheckStep) -> CheckStepResult {
    result(
        step,
        CheckOutcome::Skipped,
        CheckCode::NotChecked,
        "Not checked: an earlier step failed.",
    )
}

/// The whole checklist, in [`CheckStep::ALL`] order.
pub fn checklist(f: &Findings<'_>) -> Vec<CheckStepResult> {
    let mut steps = atlassian_steps(f);
    steps.push(token_step(f));
    steps.push(distribution_step(f));
    steps.push(public_url_step(f));
    steps.push(callback_consistent_step(f));
    steps.push(clock_step(f));
    steps
}

/// Client ID, Callback URL and scopes: all read from the one authorize answer, since
/// Atlassian checks them in that order and stops at the first wrong one.
fn atlassian_steps(f: &Findings<'_>) -> Vec<CheckStepResult> {
    use CheckStep::{CallbackUrl, ClientId, Scopes};
    let client_ok = || {
        ok(
            ClientId,
            CheckCode::ClientKnown,
            "Atlassian knows this Client ID.",
        )
    };
    let callback_ok = || {
        ok(
            CallbackUrl,
            CheckCode::CallbackRegistered,
            "The Callback URL is registered for the app.",
        )
    };
    match f.authorize {
        AuthorizeFinding::Proceeds { .. } => vec![
            client_ok(),
            callback_ok(),
            ok(Scopes, CheckCode::ScopesEnabled, "Every scope is enabled for the app."),
        ],
        AuthorizeFinding::UnknownClient => vec![
            failed(ClientId, CheckCode::UnknownClient, "Atlassian does not know this Client ID.")
                .fix("Copy the Client ID again from the app's Settings page in the developer console."),
            not_checked(CallbackUrl),
            not_checked(Scopes),
        ],
        AuthorizeFinding::CallbackNotRegistered => vec![
            client_ok(),
            failed(
                CallbackUrl,
                CheckCode::CallbackNotRegistered,
                "The Callback URL is not registered for the app.",
            )
            .fix(format!(
                "In Authorization → OAuth 2.0 (3LO), set the Callback URL to exactly {} (no trailing slash, same scheme and port).",
                f.callback_url
            ))
            .detail(f.callback_url),
            not_checked(Scopes),
        ],
        AuthorizeFinding::InvalidScope { .. } => {
            let refused = f.refused_scopes.join(" ");
            let mut scopes = failed(
                Scopes,
                CheckCode::ScopeNotEnabled,
                "Atlassian refused a scope this connection asks for.",
            )
            .fix("In Permissions, add the API that provides the scope (User identity API for read:me), or remove the scope here.");
            if !refused.is_empty() {
                scopes = scopes.detail(refused);
            }
            vec![client_ok(), callback_ok(), scopes]
        }
        AuthorizeFinding::Refused { error } => vec![
            failed(
                ClientId,
                CheckCode::UnexpectedAnswer,
                "Atlassian refused the sign-in request for a reason the doctor does not know.",
            )
            .fix("Try signing in yourself to read Atlassian's message.")
            .detail(error.clone()),
            not_checked(CallbackUrl),
            not_checked(Scopes),
        ],
        AuthorizeFinding::Unavailable(why) => vec![
            failed(ClientId, CheckCode::ProviderUnavailable, "Atlassian could not be reached.")
                .fix("Try again in a minute.")
                .detail(why.clone()),
            not_checked(CallbackUrl),
            not_checked(Scopes),
        ],
        AuthorizeFinding::Unreadable => vec![
            failed(
                ClientId,
                CheckCode::UnexpectedAnswer,
                "Atlassian answered with a page the doctor cannot read.",
            )
            .fix("Try again in a minute; if it persists, check for a proxy between this server and Atlassian."),
            not_checked(CallbackUrl),
            not_checked(Scopes),
        ],
    }
}

fn token_step(f: &Findings<'_>) -> CheckStepResult {
    let step = CheckStep::ClientSecret;
    match f.token {
        None => not_checked(step),
        Some(TokenFinding::SecretAccepted) => ok(
            step,
            CheckCode::SecretAccepted,
            "The Client Secret belongs to this Client ID.",
        ),
        Some(TokenFinding::SecretRejected) => failed(
            step,
            CheckCode::SecretRejected,
            "Atlassian refused this Client ID and Secret together.",
        )
        .fix("Copy the Secret again from the same app's Settings page; it may belong to another app, or have been rotated."),
        Some(TokenFinding::Unavailable(why)) => failed(
            step,
            CheckCode::ProviderUnavailable,
            "Atlassian's token endpoint could not be reached.",
        )
        .fix("Try again in a minute.")
        .detail(why.clone()),
        Some(TokenFinding::Unexpected(what)) => failed(
            step,
            CheckCode::UnexpectedAnswer,
            "Atlassian's token endpoint answered something the doctor cannot read.",
        )
        .fix("Try again in a minute; if it persists, check for a proxy between this server and Atlassian.")
        .detail(what.clone()),
    }
}

fn distribution_step(f: &Findings<'_>) -> CheckStepResult {
    let step = CheckStep::Distribution;
    match f.authorize {
        AuthorizeFinding::Proceeds {
            private_app: Some(true),
        } => failed(
            step,
            CheckCode::AppPrivate,
            "The app is not shared: only its owner can sign in.",
        )
        .fix("In Distribution, set the status to Sharing and fill in the fields it asks for."),
        AuthorizeFinding::Proceeds {
            private_app: Some(false),
        } => ok(step, CheckCode::AppShared, "The app is shared."),
        AuthorizeFinding::Proceeds { private_app: None } => result(
            step,
            CheckOutcome::Warning,
            CheckCode::DistributionUnknown,
            "Atlassian does not show from outside whether the app is shared.",
        )
        .fix("Make sure Distribution is set to Sharing, or only the app's owner can sign in."),
        _ => not_checked(step),
    }
}

fn public_url_step(f: &Findings<'_>) -> CheckStepResult {
    let step = CheckStep::PublicUrl;
    if f.environment == InstanceEnvironment::Development {
        return ok(
            step,
            CheckCode::PublicUrlDevelopment,
            "A development instance may use plain http.",
        );
    }
    if f.public_url.scheme() == "https" {
        return ok(
            step,
            CheckCode::PublicUrlHttps,
            "The public URL uses https.",
        );
    }
    let loopback = match f.public_url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let fix = "Serve this instance over https and set --public-url (VESTIBULE_PUBLIC_URL) to that address.";
    if loopback {
        result(
            step,
            CheckOutcome::Warning,
            CheckCode::PublicUrlLoopback,
            "The public URL is plain http on this machine: fine for a try, not for your users.",
        )
        .fix(fix)
    } else {
        failed(
            step,
            CheckCode::PublicUrlNotHttps,
            "The public URL is not https.",
        )
        .fix(fix)
    }
}

fn callback_consistent_step(f: &Findings<'_>) -> CheckStepResult {
    let step = CheckStep::CallbackConsistent;
    match f.sent_redirect_uri {
        Some(sent) if sent == f.callback_url => ok(
            step,
            CheckCode::CallbackUrlMatches,
            "Sign-in sends exactly the Callback URL shown here.",
        ),
        sent => failed(
            step,
            CheckCode::CallbackUrlDiffers,
            "Sign-in sends a different Callback URL from the one shown here.",
        )
        .fix("Check --public-url (VESTIBULE_PUBLIC_URL): it must be the address browsers use.")
        .detail(sent.unwrap_or_default()),
    }
}

fn clock_step(f: &Findings<'_>) -> CheckStepResult {
    let step = CheckStep::Clock;
    match f.skew_secs {
        None => result(
            step,
            CheckOutcome::Skipped,
            CheckCode::ClockUnknown,
            "Atlassian's answer did not say what time it is.",
        ),
        Some(skew) if skew.abs() <= CLOCK_TOLERANCE_SECS => ok(
            step,
            CheckCode::ClockInSync,
            "This server's clock agrees with Atlassian's.",
        ),
        Some(skew) => result(
            step,
            CheckOutcome::Warning,
            CheckCode::ClockSkewed,
            "This server's clock differs from Atlassian's.",
        )
        .fix("Synchronise the server's clock (NTP): sessions and token expiry follow it.")
        .detail(skew.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings<'a>(authorize: &'a AuthorizeFinding, url: &'a url::Url) -> Findings<'a> {
        Findings {
            authorize,
            token: Some(&TokenFinding::SecretAccepted),
            refused_scopes: &[],
            callback_url: "https://app.test/v1/oauth_callback",
            sent_redirect_uri: Some("https://app.test/v1/oauth_callback"),
            environment: InstanceEnvironment::Production,
            public_url: url,
            skew_secs: Some(3),
        }
    }

    fn codes(steps: &[CheckStepResult]) -> Vec<(CheckStep, CheckCode)> {
        steps.iter().map(|s| (s.step, s.code)).collect()
    }

    #[test]
    fn every_step_appears_once_in_order() {
        let url = url::Url::parse("https://app.test").unwrap();
        let authorize = AuthorizeFinding::Proceeds {
            private_app: Some(false),
        };
        let steps = checklist(&findings(&authorize, &url));
        let order: Vec<_> = steps.iter().map(|s| s.step).collect();
        assert_eq!(order, CheckStep::ALL);
        assert!(steps.iter().all(|s| s.outcome == CheckOutcome::Ok));
    }

    #[test]
    fn a_wrong_callback_says_what_to_register_and_skips_what_it_hides() {
        let url = url::Url::parse("https://app.test").unwrap();
        let authorize = AuthorizeFinding::CallbackNotRegistered;
        let steps = checklist(&findings(&authorize, &url));
        assert_eq!(
            codes(&steps)[..3],
            [
                (CheckStep::ClientId, CheckCode::ClientKnown),
                (CheckStep::CallbackUrl, CheckCode::CallbackNotRegistered),
                (CheckStep::Scopes, CheckCode::NotChecked),
            ]
        );
        assert_eq!(
            steps[1].detail.as_deref(),
            Some("https://app.test/v1/oauth_callback")
        );
        assert_eq!(steps[1].guide_step, CheckStep::CallbackUrl.guide_step());
        assert_eq!(steps[4].code, CheckCode::NotChecked);
    }

    #[test]
    fn our_side_public_url_and_clock() {
        let authorize = AuthorizeFinding::Proceeds { private_app: None };
        let loopback = url::Url::parse("http://127.0.0.1:3000").unwrap();
        let mut f = findings(&authorize, &loopback);
        f.skew_secs = Some(-3600);
        let steps = checklist(&f);
        assert_eq!(steps[4].code, CheckCode::DistributionUnknown);
        assert_eq!(steps[5].code, CheckCode::PublicUrlLoopback);
        assert_eq!(steps[5].outcome, CheckOutcome::Warning);
        assert_eq!(steps[7].code, CheckCode::ClockSkewed);
        assert_eq!(steps[7].detail.as_deref(), Some("-3600"));
        let public = url::Url::parse("http://app.test").unwrap();
        f.public_url = &public;
        f.sent_redirect_uri = Some("http://app.test/v1/oauth_callback/");
        let steps = checklist(&f);
        assert_eq!(steps[5].code, CheckCode::PublicUrlNotHttps);
        assert_eq!(steps[6].code, CheckCode::CallbackUrlDiffers);
    }
}
