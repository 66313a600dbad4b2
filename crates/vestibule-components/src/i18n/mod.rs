//! Every sentence the components show: the built-in English and German tables, and the
//! [`Localization`] through which an app changes any sentence or adds a language.
//!
//! Tables per language, so a translator sees every string in one place and a missing one
//! does not compile: each table has a field for each string, and each language's error
//! function matches every [`ErrorCode`] exhaustively. Placeholders such as `{app}` are
//! filled by [`fill`]; every language must use the same ones ([`Locale::placeholder_mismatches`]).
//! The tables are split by area ([`Messages`] for the sign-in cards, [`ProfileMessages`],
//! [`AdminMessages`]) so that a page with only `<SignIn/>` does not download the admin's
//! sentences.

mod de;
mod en;
mod localization;

pub use localization::{Language, Localization};

use vestibule_core::ErrorCode;

use crate::api::RequestError;

/// A language the components speak: a built-in one, or sentences an app supplied.
#[derive(Debug, Clone, Copy, Default)]
pub enum Locale {
    #[default]
    En,
    De,
    /// An app's own sentences: a language it added, or a built-in one with some sentences
    /// changed. A [`Localization`] on the provider turns `En`/`De` into these for you.
    Custom(&'static Language),
}

impl PartialEq for Locale {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Custom(a), Self::Custom(b)) => std::ptr::eq(*a, *b),
            (Self::En, Self::En) | (Self::De, Self::De) => true,
            _ => false,
        }
    }
}

impl Eq for Locale {}

impl std::hash::Hash for Locale {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.tag().hash(state);
    }
}

static EN: Messages = Messages::EN;
static EN_PROFILE: ProfileMessages = ProfileMessages::EN;
static EN_ADMIN: AdminMessages = AdminMessages::EN;
static DE: Messages = Messages::DE;
static DE_PROFILE: ProfileMessages = ProfileMessages::DE;
static DE_ADMIN: AdminMessages = AdminMessages::DE;

impl Locale {
    /// The built-in languages.
    pub const ALL: &'static [Locale] = &[Locale::En, Locale::De];

    /// The sentences of the sign-in and sign-up cards, and the error sentences.
    pub fn messages(self) -> &'static Messages {
        match self {
            Self::En => &EN,
            Self::De => &DE,
            Self::Custom(l) => l.messages.unwrap_or_else(|| l.fallback.messages()),
        }
    }

    /// The sentences of the user button and the profile page.
    pub fn profile(self) -> &'static ProfileMessages {
        match self {
            Self::En => &EN_PROFILE,
            Self::De => &DE_PROFILE,
            Self::Custom(l) => l.profile.unwrap_or_else(|| l.fallback.profile()),
        }
    }

    /// The sentences of the SSO connection settings and the dashboard.
    pub fn admin(self) -> &'static AdminMessages {
        match self {
            Self::En => &EN_ADMIN,
            Self::De => &DE_ADMIN,
            Self::Custom(l) => l.admin.unwrap_or_else(|| l.fallback.admin()),
        }
    }

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Custom(l) => l.tag,
        }
    }

    /// Picks a built-in locale from a language tag such as `de-AT`; unknown languages yield
    /// `None` ([`Localization::from_tag`] also knows the app's languages).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = primary_subtag(tag)?;
        Self::ALL.iter().copied().find(|l| l.tag() == primary)
    }
}

/// `de` from `de-AT` or `DE_at`.
fn primary_subtag(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    (!primary.is_empty()).then_some(primary)
}

/// Replaces each `{name}` in `template` with its value; a `{name}` with no value stays as
/// it is.
///
/// One pass over the template by hand: `format!` plus `str::replace` per placeholder
/// measured about 2.3 KB of wasm on the sign-in page, which fills one title and one label.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Declares a table of sentences: a struct of `&'static str` fields (plus any `extra`
/// fields), `Clone + Copy` so that an app builds its own from a built-in one with
/// `..Messages::EN`, and `sentences()`, which lists every field for the placeholder check.
macro_rules! sentence_table {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($(#[$field_meta:meta])* $field:ident,)*
        }
        $(extra {
            $($(#[$extra_meta:meta])* $extra:ident: $extra_ty:ty,)*
        })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: &'static str,)*
            $($($(#[$extra_meta])* pub $extra: $extra_ty,)*)?
        }

        impl $name {
            /// Every sentence of the table with its field name.
            pub fn sentences(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field)),*]
            }
        }
    };
}

sentence_table! {
    /// The sentences of the sign-in and sign-up cards, and the error sentences. Field names
    /// say where a string appears.
    Messages {
    // --- common ---------------------------------------------------------------------------
    loading,
    redirecting,
    cancel,
    close,
    dismiss,
    retry,
    secured_by,
    /// "Continue with {provider}".
    continue_with,
    /// "Connect {provider}" on a connect-intent button.
    connect_with,
    network_error,
    unexpected_error,
    /// "Something went wrong (reference {reference})."
    error_with_reference,
    // --- sign-in and sign-up --------------------------------------------------------------
    /// "Sign in to {app}".
    sign_in_title,
    sign_in_subtitle,
    /// "Create your {app} account".
    sign_up_title,
    sign_up_subtitle,
    no_account,
    sign_up_link,
    have_account,
    sign_in_link,
    no_connections,
    environment_failed,
    development_mode,
}
    extra {
        /// The sentence for each error code the server sends; an app that changes some
        /// falls back to a built-in table's for the rest: `(Messages::EN.errors)(code)`.
        errors: fn(ErrorCode) -> &'static str,
    }
}

sentence_table! {
    /// The sentences of [`UserButton`](crate::UserButton) and [`UserProfile`](crate::UserProfile).
    ProfileMessages {
    open_user_menu,
    manage_account,
    sign_out,
    signing_out,
    profile_title,
    profile_subtitle,
    profile_details,
    email_address,
    verified,
    unverified,
    /// "Member since {date}".
    member_since,
    connected_accounts,
    no_connected_accounts,
    connect_another,
    authorized_site,
    no_site,
    reconnect_needed,
    reconnect_hint,
    reconnect,
    disconnect,
    /// "Disconnect the {provider} account {account}? You can no longer sign in with it."
    disconnect_confirm,
    active_sessions,
    this_device,
    unknown_device,
    /// "Signed in {date} · last active {date2}".
    session_times,
    revoke_session,
    not_signed_in,
}
}

sentence_table! {
    /// The sentences of [`ConnectionSettings`](crate::ConnectionSettings) and the dashboard.
    AdminMessages {
    // --- SSO connections (admin) ----------------------------------------------------------
    sso_title,
    sso_subtitle,
    add_connection,
    no_admin_connections,
    status_enabled,
    status_disabled,
    custom_credentials_badge,
    shared_credentials_badge,
    incomplete_badge,
    for_all_users,
    for_all_users_hint,
    for_specific_domains,
    for_specific_domains_hint,
    coming_later,
    choose_provider,
    select_provider,
    enable_for_sign_in,
    enable_for_sign_in_hint,
    use_custom_credentials,
    use_custom_credentials_hint,
    custom_credentials_locked,
    shared_credentials_note,
    callback_url,
    callback_url_hint,
    copy,
    copied,
    client_id,
    client_secret,
    /// "Stored: •••• {last4}. Leave empty to keep it."
    client_secret_stored,
    /// The same for a secret too short for its last four to be shown.
    client_secret_set,
    scopes,
    scopes_hint,
    back,
    save,
    saving,
    configure,
    edit_connection_title,
    edit_connection_hint,
    enable,
    disable,
    delete,
    /// "Delete the {provider} connection? People can no longer sign in with it."
    delete_confirm,
    guide_title,
    guide_console,
    guide_create_app,
    guide_identity_scope,
    guide_callback,
    guide_distribution,
    guide_credentials,
    site_warning,
    field_required,
    // --- dashboard (admin sign-in) ----------------------------------------------------------
    admin_sign_in_title,
    admin_sign_in_subtitle,
    secret_key,
    admin_sign_in_button,
    environment_development,
    environment_production,
    portal_sign_in_url,
    visit,
}
}

impl Messages {
    /// A sentence a person understands for an error code the server sent.
    pub fn error(&self, code: ErrorCode) -> &'static str {
        (self.errors)(code)
    }

    /// The sentence for an error code (`None`: one this version does not know), quoting the
    /// server's reference for an internal error so that support can find it in the logs.
    pub fn error_sentence(&self, code: Option<ErrorCode>, reference: Option<&str>) -> String {
        match (code, reference) {
            (Some(ErrorCode::Internal), Some(r)) => {
                fill(self.error_with_reference, &[("reference", r)])
            }
            (Some(code), _) => self.error(code).to_owned(),
            (None, _) => self.unexpected_error.to_owned(),
        }
    }

    /// The sentence for a failed request: the server's error code, the network, or the
    /// generic sentence for an answer this version cannot read.
    pub fn request_error(&self, error: &RequestError) -> String {
        match error {
            RequestError::Network => self.network_error.to_owned(),
            RequestError::Api { .. } => self.error_sentence(error.code(), error.reference()),
            _ => self.unexpected_error.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_its_own_sentence_in_every_language() {
        for locale in Locale::ALL {
            let m = locale.messages();
            let mut seen = std::collections::HashSet::new();
            for code in ErrorCode::ALL {
                let sentence = m.error(*code);
                assert!(!sentence.trim().is_empty(), "{locale:?} {code}");
                assert!(
                    seen.insert(sentence),
                    "{locale:?}: {code} repeats a sentence"
                );
            }
        }
    }

    #[test]
    fn language_tags_pick_a_locale() {
        assert_eq!(Locale::from_tag("de-AT"), Some(Locale::De));
        assert_eq!(Locale::from_tag("en_US"), Some(Locale::En));
        assert_eq!(Locale::from_tag("fr"), None);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(EN.sign_in_title, &[("app", "Acme")]),
            "Sign in to Acme"
        );
    }

    #[test]
    fn fill_replaces_every_occurrence_and_leaves_unknown_braces() {
        assert_eq!(
            fill(
                "{a} and {b}, {a} again; {unknown} {",
                &[("a", "x{b}"), ("b", "y")]
            ),
            "x{b} and y, x{b} again; {unknown} {"
        );
        assert_eq!(fill("", &[("a", "x")]), "");
        assert_eq!(fill("{{a}}", &[("a", "x")]), "{x}");
        assert_eq!(fill("Déjà {app} – ok", &[("app", "Ä")]), "Déjà Ä – ok");
    }
}
