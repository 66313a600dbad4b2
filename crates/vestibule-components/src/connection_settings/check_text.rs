//! The connection check's sentences in English and German: one table per language, and one
//! exhaustive match per language from each [`CheckCode`] to what was found and how to fix it,
//! so a new code does not compile until both languages say something about it. Kept apart
//! from `i18n`'s tables because only the dashboard needs them.

use vestibule_core::connection_check::{CheckCode, CheckOutcome, CheckStep};

use crate::i18n::Locale;

/// What one step found and what to do about it; `{detail}` is filled with the step's detail.
pub(crate) struct CodeText {
    pub sentence: &'static str,
    pub fix: Option<&'static str>,
}

pub(crate) struct CheckMessages {
    pub check_connection: &'static str,
    pub checking: &'static str,
    pub check_title: &'static str,
    pub summary_ok: &'static str,
    pub summary_warning: &'static str,
    pub summary_failed: &'static str,
    /// "Last checked {time}: {outcome}"
    pub last_checked: &'static str,
    pub never_checked: &'static str,
    pub see_guide: &'static str,
    outcome: fn(CheckOutcome) -> &'static str,
    step: fn(CheckStep) -> &'static str,
    code: fn(CheckCode) -> CodeText,
}

impl CheckMessages {
    pub fn outcome(&self, outcome: CheckOutcome) -> &'static str {
        (self.outcome)(outcome)
    }

    pub fn step(&self, step: CheckStep) -> &'static str {
        (self.step)(step)
    }

    pub fn code(&self, code: CheckCode) -> CodeText {
        (self.code)(code)
    }
}

/// The check's sentences in `locale`; an app's own language uses its built-in fallback's.
pub(crate) fn check_messages(locale: Locale) -> &'static CheckMessages {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
        Locale::Custom(language) => check_messages(language.fallback),
    }
}

fn text(sentence: &'static str, fix: Option<&'static str>) -> CodeText {
    CodeText { sentence, fix }
}

static EN: CheckMessages = CheckMessages {
    check_connection: "Check connection",
    checking: "Checking…",
    check_title: "Connection check",
    summary_ok: "Everything the check can see is in order.",
    summary_warning: "Nothing is broken, but look at the notes below.",
    summary_failed: "People cannot sign in until the failed steps are fixed.",
    last_checked: "Last checked {time}: {outcome}",
    never_checked: "Not checked yet",
    see_guide: "See this step of the guide",
    outcome: |o| match o {
        CheckOutcome::Ok => "OK",
        CheckOutcome::Warning => "Note",
        CheckOutcome::Failed => "Failed",
        CheckOutcome::Skipped => "Not checked",
    },
    step: |s| match s {
        CheckStep::ClientId => "Client ID",
        CheckStep::CallbackUrl => "Callback URL registered",
        CheckStep::Scopes => "Scopes enabled",
        CheckStep::ClientSecret => "Client Secret",
        CheckStep::Distribution => "Distribution (sharing)",
        CheckStep::PublicUrl => "Public URL",
        CheckStep::CallbackConsistent => "Callback URL sent",
        CheckStep::Clock => "Server clock",
    },
    code: en_code,
};

fn en_code(code: CheckCode) -> CodeText {
    use CheckCode::*;
    match code {
        ClientKnown => text("Atlassian knows this Client ID.", None),
        UnknownClient => text(
            "Atlassian does not know this Client ID.",
            Some(
                "Copy the Client ID again from your app's Settings page in the Atlassian Developer console.",
            ),
        ),
        CallbackRegistered => text("The Callback URL is registered for your app.", None),
        CallbackNotRegistered => text(
            "Atlassian does not have this Callback URL for your app: {detail}",
            Some(
                "Under Authorization → OAuth 2.0 (3LO), set the Callback URL to exactly this address: no trailing slash, same http or https, same port.",
            ),
        ),
        ScopesEnabled => text("Every scope this connection asks for is enabled.", None),
        ScopeNotEnabled => text(
            "Your app does not have this scope: {detail}",
            Some(
                "Under Permissions, add the API that provides it (the User identity API for read:me), or remove the scope here.",
            ),
        ),
        SecretAccepted => text("The Client Secret belongs to this Client ID.", None),
        SecretRejected => text(
            "Atlassian refused this Client ID and Client Secret together.",
            Some(
                "Copy the Secret again from the same app's Settings page: it may be another app's, or it was rotated.",
            ),
        ),
        AppShared => text("Your app is shared: anyone can sign in.", None),
        AppPrivate => text(
            "Your app is not shared: only its owner can sign in.",
            Some("Under Distribution, select Edit and set Distribution status to Sharing."),
        ),
        DistributionUnknown => text(
            "Atlassian does not show from outside whether your app is shared.",
            Some("Make sure Distribution status is Sharing, or only the app's owner can sign in."),
        ),
        PublicUrlHttps => text("This instance's public URL uses https.", None),
        PublicUrlLoopback => text(
            "This instance runs on plain http on this computer: fine for a try, not for your users.",
            Some("Serve it over https and set VESTIBULE_PUBLIC_URL to that address."),
        ),
        PublicUrlNotHttps => text(
            "This instance's public URL is not https.",
            Some("Serve it over https and set VESTIBULE_PUBLIC_URL to that address."),
        ),
        PublicUrlDevelopment => text("A development instance may use plain http.", None),
        CallbackUrlMatches => text("Sign-in sends exactly the Callback URL shown here.", None),
        CallbackUrlDiffers => text(
            "Sign-in sends another Callback URL than the one shown here: {detail}",
            Some("Check VESTIBULE_PUBLIC_URL: it must be the address browsers use."),
        ),
        ClockInSync => text("This server's clock agrees with Atlassian's.", None),
        ClockSkewed => text(
            "This server's clock is {detail} seconds off Atlassian's.",
            Some("Synchronise the server's clock (NTP)."),
        ),
        ClockUnknown => text("Atlassian's answer did not say what time it is.", None),
        ProviderUnavailable => text(
            "Atlassian could not be reached ({detail}).",
            Some("Try again in a minute."),
        ),
        UnexpectedAnswer => text(
            "Atlassian answered something the check cannot read.",
            Some(
                "Try again in a minute. If it keeps happening, look for a proxy between this server and Atlassian.",
            ),
        ),
        NotChecked => text("Not checked: an earlier step failed.", None),
    }
}

static DE: CheckMessages = CheckMessages {
    check_connection: "Verbindung prüfen",
    checking: "Wird geprüft…",
    check_title: "Verbindungsprüfung",
    summary_ok: "Alles, was die Prüfung sehen kann, ist in Ordnung.",
    summary_warning: "Nichts ist kaputt, aber beachten Sie die Hinweise unten.",
    summary_failed: "Niemand kann sich anmelden, bis die fehlgeschlagenen Schritte behoben sind.",
    last_checked: "Zuletzt geprüft {time}: {outcome}",
    never_checked: "Noch nicht geprüft",
    see_guide: "Zu diesem Schritt der Anleitung",
    outcome: |o| match o {
        CheckOutcome::Ok => "OK",
        CheckOutcome::Warning => "Hinweis",
        CheckOutcome::Failed => "Fehlgeschlagen",
        CheckOutcome::Skipped => "Nicht geprüft",
    },
    step: |s| match s {
        CheckStep::ClientId => "Client ID",
        CheckStep::CallbackUrl => "Callback-URL registriert",
        CheckStep::Scopes => "Scopes aktiviert",
        CheckStep::ClientSecret => "Client Secret",
        CheckStep::Distribution => "Distribution (Sharing)",
        CheckStep::PublicUrl => "Öffentliche URL",
        CheckStep::CallbackConsistent => "Gesendete Callback-URL",
        CheckStep::Clock => "Serveruhr",
    },
    code: de_code,
};

fn de_code(code: CheckCode) -> CodeText {
    use CheckCode::*;
    match code {
        ClientKnown => text("Atlassian kennt diese Client ID.", None),
        UnknownClient => text(
            "Atlassian kennt diese Client ID nicht.",
            Some(
                "Kopieren Sie die Client ID erneut von der Settings-Seite Ihrer App in der Atlassian Developer Console.",
            ),
        ),
        CallbackRegistered => text("Die Callback-URL ist für Ihre App registriert.", None),
        CallbackNotRegistered => text(
            "Atlassian kennt diese Callback-URL für Ihre App nicht: {detail}",
            Some(
                "Setzen Sie unter Authorization → OAuth 2.0 (3LO) die Callback-URL auf genau diese Adresse: ohne Schrägstrich am Ende, gleiches http oder https, gleicher Port.",
            ),
        ),
        ScopesEnabled => text("Alle Scopes dieser Verbindung sind aktiviert.", None),
        ScopeNotEnabled => text(
            "Ihrer App fehlt dieser Scope: {detail}",
            Some(
                "Fügen Sie unter Permissions die API hinzu, die ihn bereitstellt (User identity API für read:me), oder entfernen Sie den Scope hier.",
            ),
        ),
        SecretAccepted => text("Das Client Secret gehört zu dieser Client ID.", None),
        SecretRejected => text(
            "Atlassian lehnt diese Client ID zusammen mit diesem Client Secret ab.",
            Some(
                "Kopieren Sie das Secret erneut von der Settings-Seite derselben App: Es gehört vielleicht zu einer anderen App oder wurde erneuert.",
            ),
        ),
        AppShared => text("Ihre App ist geteilt: Alle können sich anmelden.", None),
        AppPrivate => text(
            "Ihre App ist nicht geteilt: Nur ihr Eigentümer kann sich anmelden.",
            Some(
                "Wählen Sie unter Distribution Edit und setzen Sie Distribution status auf Sharing.",
            ),
        ),
        DistributionUnknown => text(
            "Von außen zeigt Atlassian nicht, ob Ihre App geteilt ist.",
            Some(
                "Stellen Sie sicher, dass Distribution status auf Sharing steht, sonst kann sich nur der Eigentümer der App anmelden.",
            ),
        ),
        PublicUrlHttps => text("Die öffentliche URL dieser Instanz verwendet https.", None),
        PublicUrlLoopback => text(
            "Diese Instanz läuft mit einfachem http auf diesem Computer: gut zum Ausprobieren, nicht für Ihre Nutzer.",
            Some(
                "Stellen Sie sie über https bereit und setzen Sie VESTIBULE_PUBLIC_URL auf diese Adresse.",
            ),
        ),
        PublicUrlNotHttps => text(
            "Die öffentliche URL dieser Instanz ist nicht https.",
            Some(
                "Stellen Sie sie über https bereit und setzen Sie VESTIBULE_PUBLIC_URL auf diese Adresse.",
            ),
        ),
        PublicUrlDevelopment => text(
            "Eine Entwicklungsinstanz darf einfaches http verwenden.",
            None,
        ),
        CallbackUrlMatches => text(
            "Die Anmeldung sendet genau die hier gezeigte Callback-URL.",
            None,
        ),
        CallbackUrlDiffers => text(
            "Die Anmeldung sendet eine andere Callback-URL als die hier gezeigte: {detail}",
            Some(
                "Prüfen Sie VESTIBULE_PUBLIC_URL: Es muss die Adresse sein, die Browser verwenden.",
            ),
        ),
        ClockInSync => text(
            "Die Uhr dieses Servers stimmt mit der von Atlassian überein.",
            None,
        ),
        ClockSkewed => text(
            "Die Uhr dieses Servers weicht {detail} Sekunden von der von Atlassian ab.",
            Some("Synchronisieren Sie die Serveruhr (NTP)."),
        ),
        ClockUnknown => text("Die Antwort von Atlassian nannte keine Uhrzeit.", None),
        ProviderUnavailable => text(
            "Atlassian war nicht erreichbar ({detail}).",
            Some("Versuchen Sie es in einer Minute erneut."),
        ),
        UnexpectedAnswer => text(
            "Atlassian hat etwas geantwortet, das die Prüfung nicht lesen kann.",
            Some(
                "Versuchen Sie es in einer Minute erneut. Wenn es wieder passiert, suchen Sie nach einem Proxy zwischen diesem Server und Atlassian.",
            ),
        ),
        NotChecked => text(
            "Nicht geprüft: Ein früherer Schritt ist fehlgeschlagen.",
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_sentence_in_every_language_and_failures_have_a_fix() {
        for locale in Locale::ALL {
            let t = check_messages(*locale);
            for code in CheckCode::ALL {
                let text = t.code(*code);
                assert!(!text.sentence.is_empty(), "{locale:?} {code:?}");
                let needs_fix = !matches!(
                    code,
                    CheckCode::ClientKnown
                        | CheckCode::CallbackRegistered
                        | CheckCode::ScopesEnabled
                        | CheckCode::SecretAccepted
                        | CheckCode::AppShared
                        | CheckCode::PublicUrlHttps
                        | CheckCode::PublicUrlDevelopment
                        | CheckCode::CallbackUrlMatches
                        | CheckCode::ClockInSync
                        | CheckCode::ClockUnknown
                        | CheckCode::NotChecked
                );
                assert_eq!(text.fix.is_some(), needs_fix, "{locale:?} {code:?}");
            }
        }
        assert_ne!(
            check_messages(Locale::En)
                .code(CheckCode::SecretRejected)
                .sentence,
            check_messages(Locale::De)
                .code(CheckCode::SecretRejected)
                .sentence
        );
    }
}
