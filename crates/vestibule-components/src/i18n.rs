//! Every sentence the components show, in English and German.
//!
//! Tables per language, so a translator sees every string in one place and a missing one
//! does not compile: each table has a field for each string, and [`Messages::error`]
//! matches every [`ErrorCode`] exhaustively. Placeholders such as `{app}` are filled by
//! [`fill`]. The tables are split by area ([`Messages`] for the sign-in cards,
//! [`ProfileMessages`], [`AdminMessages`]) so that a page with only `<SignIn/>` does not
//! download the admin's sentences.

use vestibule_core::ErrorCode;

/// A language the components speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    De,
}

impl Locale {
    pub const ALL: &'static [Locale] = &[Locale::En, Locale::De];

    /// The sentences of the sign-in and sign-up cards, and the error sentences.
    pub fn messages(self) -> &'static Messages {
        match self {
            Self::En => &EN,
            Self::De => &DE,
        }
    }

    /// The sentences of the user button and the profile page.
    pub fn profile(self) -> &'static ProfileMessages {
        match self {
            Self::En => &EN_PROFILE,
            Self::De => &DE_PROFILE,
        }
    }

    /// The sentences of the SSO connection settings and the dashboard.
    pub fn admin(self) -> &'static AdminMessages {
        match self {
            Self::En => &EN_ADMIN,
            Self::De => &DE_ADMIN,
        }
    }

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }

    /// Picks a locale from a language tag such as `de-AT`; unknown languages yield `None`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.iter().copied().find(|l| l.tag() == primary)
    }
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The sentences of one language. Field names say where a string appears.
#[derive(Debug)]
pub struct Messages {
    // --- common ---------------------------------------------------------------------------
    pub loading: &'static str,
    pub redirecting: &'static str,
    pub cancel: &'static str,
    pub close: &'static str,
    pub dismiss: &'static str,
    pub retry: &'static str,
    pub secured_by: &'static str,
    /// "Continue with {provider}".
    pub continue_with: &'static str,
    /// "Connect {provider}" on a connect-intent button.
    pub connect_with: &'static str,
    pub network_error: &'static str,
    pub unexpected_error: &'static str,
    /// "Something went wrong (reference {reference})."
    pub error_with_reference: &'static str,
    error_sentence: fn(ErrorCode) -> &'static str,
    // --- sign-in and sign-up --------------------------------------------------------------
    /// "Sign in to {app}".
    pub sign_in_title: &'static str,
    pub sign_in_subtitle: &'static str,
    /// "Create your {app} account".
    pub sign_up_title: &'static str,
    pub sign_up_subtitle: &'static str,
    pub no_account: &'static str,
    pub sign_up_link: &'static str,
    pub have_account: &'static str,
    pub sign_in_link: &'static str,
    pub no_connections: &'static str,
    pub environment_failed: &'static str,
    pub development_mode: &'static str,
}

/// The sentences of [`UserButton`](crate::UserButton) and [`UserProfile`](crate::UserProfile).
#[derive(Debug)]
pub struct ProfileMessages {
    // --- ----------------------------------------------------------
    pub open_user_menu: &'static str,
    pub manage_account: &'static str,
    pub sign_out: &'static str,
    pub signing_out: &'static str,
    pub profile_title: &'static str,
    pub profile_subtitle: &'static str,
    pub profile_details: &'static str,
    pub email_address: &'static str,
    pub verified: &'static str,
    pub unverified: &'static str,
    /// "Member since {date}".
    pub member_since: &'static str,
    pub connected_accounts: &'static str,
    pub no_connected_accounts: &'static str,
    pub connect_another: &'static str,
    pub authorized_site: &'static str,
    pub no_site: &'static str,
    pub reconnect_needed: &'static str,
    pub reconnect_hint: &'static str,
    pub reconnect: &'static str,
    pub disconnect: &'static str,
    /// "Disconnect the {provider} account {account}? You can no longer sign in with it."
    pub disconnect_confirm: &'static str,
    pub active_sessions: &'static str,
    pub this_device: &'static str,
    pub unknown_device: &'static str,
    /// "Signed in {date} · last active {date2}".
    pub session_times: &'static str,
    pub revoke_session: &'static str,
    pub not_signed_in: &'static str,
}

/// The sentences of [`ConnectionSettings`](crate::ConnectionSettings) and the dashboard.
#[derive(Debug)]
pub struct AdminMessages {
    // --- SSO connections (admin) ----------------------------------------------------------
    pub sso_title: &'static str,
    pub sso_subtitle: &'static str,
    pub add_connection: &'static str,
    pub no_admin_connections: &'static str,
    pub status_enabled: &'static str,
    pub status_disabled: &'static str,
    pub custom_credentials_badge: &'static str,
    pub shared_credentials_badge: &'static str,
    pub incomplete_badge: &'static str,
    pub for_all_users: &'static str,
    pub for_all_users_hint: &'static str,
    pub for_specific_domains: &'static str,
    pub for_specific_domains_hint: &'static str,
    pub coming_later: &'static str,
    pub choose_provider: &'static str,
    pub select_provider: &'static str,
    pub enable_for_sign_in: &'static str,
    pub enable_for_sign_in_hint: &'static str,
    pub use_custom_credentials: &'static str,
    pub use_custom_credentials_hint: &'static str,
    pub custom_credentials_locked: &'static str,
    pub shared_credentials_note: &'static str,
    pub callback_url: &'static str,
    pub callback_url_hint: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub client_id: &'static str,
    pub client_secret: &'static str,
    /// "Stored: •••• {last4}. Leave empty to keep it."
    pub client_secret_stored: &'static str,
    /// The same for a secret too short for its last four to be shown.
    pub client_secret_set: &'static str,
    pub scopes: &'static str,
    pub scopes_hint: &'static str,
    pub back: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub configure: &'static str,
    pub edit_connection_title: &'static str,
    pub edit_connection_hint: &'static str,
    pub enable: &'static str,
    pub disable: &'static str,
    pub delete: &'static str,
    /// "Delete the {provider} connection? People can no longer sign in with it."
    pub delete_confirm: &'static str,
    pub guide_title: &'static str,
    pub guide_console: &'static str,
    pub guide_create_app: &'static str,
    pub guide_identity_scope: &'static str,
    pub guide_callback: &'static str,
    pub guide_distribution: &'static str,
    pub guide_credentials: &'static str,
    pub site_warning: &'static str,
    pub field_required: &'static str,
    // --- dashboard (admin sign-in) ----------------------------------------------------------
    pub admin_sign_in_title: &'static str,
    pub admin_sign_in_subtitle: &'static str,
    pub secret_key: &'static str,
    pub admin_sign_in_button: &'static str,
    pub environment_development: &'static str,
    pub environment_production: &'static str,
    pub portal_sign_in_url: &'static str,
    pub visit: &'static str,
}

impl Messages {
    /// A sentence a person understands for an error code the server sent.
    pub fn error(&self, code: ErrorCode) -> &'static str {
        (self.error_sentence)(code)
    }
}

fn en_error(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        StateMismatch => "The sign-in could not be verified. Please start again from this page.",
        StateMissing => {
            "The sign-in was started in another browser or cookies are blocked. Allow cookies and try again."
        }
        StateExpired => "The sign-in took too long. Please try again.",
        AccessDenied => "You cancelled the sign-in at Atlassian. Try again whenever you're ready.",
        NoAtlassianSite => {
            "Your Atlassian account needs access to at least one Atlassian site, such as Jira or Confluence. Ask your Atlassian admin for access, then try again."
        }
        AccountInactive => "This Atlassian account is deactivated or closed.",
        EmailUnverified => {
            "Atlassian has not verified your e-mail address. Verify it at Atlassian, then try again."
        }
        InvalidGrant => "The sign-in link expired or was already used. Please try again.",
        ProviderUnavailable => "Atlassian did not answer in time. Please try again in a moment.",
        ExternalAccountTaken => {
            "This Atlassian account is already connected to another user. Sign in with it instead, or use another account."
        }
        ReconnectNeeded => {
            "Your Atlassian connection expired. Please sign in with Atlassian again."
        }
        ConnectionDisabled => "Signing in with this provider is turned off for this application.",
        ConnectionNotFound => "This connection does not exist (any more).",
        ConnectionExists => "A connection for this provider exists already. Edit it instead.",
        CustomCredentialsRequired => {
            "A production instance needs your own Client ID and Client Secret."
        }
        UnknownProvider => "This sign-in provider is not supported.",
        InvalidField => "Please check this value.",
        InvalidBody => "The request could not be understood. Reload the page and try again.",
        InvalidRedirectUrl => {
            "The address to return to after sign-in is not allowed for this application."
        }
        CrossSiteRequest => {
            "The request came from another site and was refused. Reload the page and try again."
        }
        Unauthenticated => "You are signed out. Please sign in again.",
        InvalidSecretKey => "That secret key is not valid for this instance.",
        NotFound => "This item does not exist or no longer exists.",
        LastExternalAccount => {
            "This is your only way to sign in, so it cannot be disconnected. Connect another account first."
        }
        RateLimited => "Too many attempts. Please wait a minute and try again.",
        Internal => "Something went wrong on our side. Please try again.",
    }
}

fn de_error(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        StateMismatch => {
            "Die Anmeldung konnte nicht bestätigt werden. Bitte beginnen Sie erneut auf dieser Seite."
        }
        StateMissing => {
            "Die Anmeldung wurde in einem anderen Browser begonnen oder Cookies sind blockiert. Erlauben Sie Cookies und versuchen Sie es erneut."
        }
        StateExpired => "Die Anmeldung hat zu lange gedauert. Bitte versuchen Sie es erneut.",
        AccessDenied => {
            "Sie haben die Anmeldung bei Atlassian abgebrochen. Versuchen Sie es erneut, wann immer Sie möchten."
        }
        NoAtlassianSite => {
            "Ihr Atlassian-Konto braucht Zugriff auf mindestens eine Atlassian-Site, etwa Jira oder Confluence. Bitten Sie Ihre Atlassian-Administration um Zugriff und versuchen Sie es dann erneut."
        }
        AccountInactive => "Dieses Atlassian-Konto ist deaktiviert oder geschlossen.",
        EmailUnverified => {
            "Atlassian hat Ihre E-Mail-Adresse nicht bestätigt. Bestätigen Sie sie bei Atlassian und versuchen Sie es dann erneut."
        }
        InvalidGrant => {
            "Der Anmeldelink ist abgelaufen oder wurde schon benutzt. Bitte versuchen Sie es erneut."
        }
        ProviderUnavailable => {
            "Atlassian hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal."
        }
        ExternalAccountTaken => {
            "Dieses Atlassian-Konto ist bereits mit einem anderen Benutzer verbunden. Melden Sie sich damit an oder verwenden Sie ein anderes Konto."
        }
        ReconnectNeeded => {
            "Ihre Verbindung zu Atlassian ist abgelaufen. Bitte melden Sie sich erneut mit Atlassian an."
        }
        ConnectionDisabled => {
            "Die Anmeldung mit diesem Anbieter ist für diese Anwendung ausgeschaltet."
        }
        ConnectionNotFound => "Diese Verbindung gibt es nicht (mehr).",
        ConnectionExists => {
            "Für diesen Anbieter gibt es bereits eine Verbindung. Bearbeiten Sie stattdessen diese."
        }
        CustomCredentialsRequired => {
            "Eine Produktionsinstanz braucht Ihre eigene Client-ID und Ihr eigenes Client-Secret."
        }
        UnknownProvider => "Dieser Anmeldeanbieter wird nicht unterstützt.",
        InvalidField => "Bitte prüfen Sie diesen Wert.",
        InvalidBody => {
            "Die Anfrage war unverständlich. Laden Sie die Seite neu und versuchen Sie es erneut."
        }
        InvalidRedirectUrl => {
            "Die Rücksprungadresse nach der Anmeldung ist für diese Anwendung nicht erlaubt."
        }
        CrossSiteRequest => {
            "Die Anfrage kam von einer anderen Website und wurde abgelehnt. Laden Sie die Seite neu und versuchen Sie es erneut."
        }
        Unauthenticated => "Sie sind abgemeldet. Bitte melden Sie sich erneut an.",
        InvalidSecretKey => "Dieser geheime Schlüssel gilt nicht für diese Instanz.",
        NotFound => "Dieser Eintrag existiert nicht oder nicht mehr.",
        LastExternalAccount => {
            "Dies ist Ihr einziger Weg zur Anmeldung und kann daher nicht getrennt werden. Verbinden Sie zuerst ein anderes Konto."
        }
        RateLimited => {
            "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es erneut."
        }
        Internal => "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.",
    }
}

static EN: Messages = Messages {
    loading: "Loading…",
    redirecting: "Redirecting…",
    cancel: "Cancel",
    close: "Close",
    dismiss: "Dismiss",
    retry: "Try again",
    secured_by: "Secured by Vestibule",
    continue_with: "Continue with {provider}",
    connect_with: "Connect {provider}",
    network_error: "We could not reach the server. Check your connection and try again.",
    unexpected_error: "Something went wrong. Please try again.",
    error_with_reference: "Something went wrong (reference {reference}).",
    error_sentence: en_error,
    sign_in_title: "Sign in to {app}",
    sign_in_subtitle: "Welcome back! Please sign in to continue.",
    sign_up_title: "Create your {app} account",
    sign_up_subtitle: "Welcome! Sign up with your work account to get started.",
    no_account: "Don't have an account?",
    sign_up_link: "Sign up",
    have_account: "Already have an account?",
    sign_in_link: "Sign in",
    no_connections: "No sign-in method is enabled yet. Ask the administrator to add a connection.",
    environment_failed: "The sign-in options could not be loaded.",
    development_mode: "Development mode",
};
static EN_PROFILE: ProfileMessages = ProfileMessages {
    open_user_menu: "Open user menu",
    manage_account: "Manage account",
    sign_out: "Sign out",
    signing_out: "Signing out…",
    profile_title: "Account",
    profile_subtitle: "Manage your account info.",
    profile_details: "Profile details",
    email_address: "E-mail address",
    verified: "Verified",
    unverified: "Unverified",
    member_since: "Member since {date}",
    connected_accounts: "Connected accounts",
    no_connected_accounts: "No accounts connected.",
    connect_another: "Connect another account",
    authorized_site: "Authorized site",
    no_site: "No site authorized",
    reconnect_needed: "Reconnect needed",
    reconnect_hint: "Atlassian no longer accepts the stored authorization. Connect again to keep access.",
    reconnect: "Reconnect",
    disconnect: "Disconnect",
    disconnect_confirm: "Disconnect the {provider} account {account}? You can no longer sign in with it.",
    active_sessions: "Active devices",
    this_device: "This device",
    unknown_device: "Unknown device",
    session_times: "Signed in {created} · last active {active}",
    revoke_session: "Sign out of this device",
    not_signed_in: "You are not signed in.",
};

static EN_ADMIN: AdminMessages = AdminMessages {
    sso_title: "SSO connections",
    sso_subtitle: "Let people sign up and sign in to your application with their Atlassian account.",
    add_connection: "Add connection",
    no_admin_connections: "No connections yet. Select Add connection to let people sign in with Atlassian.",
    status_enabled: "Enabled",
    status_disabled: "Disabled",
    custom_credentials_badge: "Custom credentials",
    shared_credentials_badge: "Shared credentials",
    incomplete_badge: "Credentials missing",
    for_all_users: "For all users",
    for_all_users_hint: "Anyone can sign up and sign in with this provider.",
    for_specific_domains: "For specific domains",
    for_specific_domains_hint: "Only people with e-mail addresses on your verified domains.",
    coming_later: "Coming later",
    choose_provider: "Choose provider",
    select_provider: "Select a provider",
    enable_for_sign_in: "Enable for sign-up and sign-in",
    enable_for_sign_in_hint: "People can sign up and sign in with this provider.",
    use_custom_credentials: "Use custom credentials",
    use_custom_credentials_hint: "Use the Client ID and Client Secret of your own Atlassian OAuth 2.0 app.",
    custom_credentials_locked: "Production instances always use custom credentials.",
    shared_credentials_note: "Development instances can use Vestibule's shared credentials: no other configuration is needed.",
    callback_url: "Callback URL",
    callback_url_hint: "Save this URL: you will paste it into the Atlassian Developer console.",
    copy: "Copy",
    copied: "Copied",
    client_id: "Client ID",
    client_secret: "Client Secret",
    client_secret_stored: "Stored: •••• {last4}. Leave empty to keep it.",
    client_secret_set: "A secret is stored. Leave empty to keep it.",
    scopes: "Scopes",
    scopes_hint: "Separate scopes with spaces. read:me is required to read the profile.",
    back: "Back",
    save: "Save",
    saving: "Saving…",
    configure: "Configure",
    edit_connection_title: "Configure {provider}",
    edit_connection_hint: "Under Use custom credentials, paste the values from the Atlassian Developer console.",
    enable: "Enable",
    disable: "Disable",
    delete: "Delete",
    delete_confirm: "Delete the {provider} connection? People can no longer sign in with it.",
    guide_title: "Set up Atlassian",
    guide_console: "Open the Atlassian Developer console",
    guide_create_app: "Next to My apps, select Create, then OAuth 2.0 integration. Name it and select Create.",
    guide_identity_scope: "Under Permissions, add the User identity API and its scope read:me.",
    guide_callback: "Under Authorization, next to OAuth 2.0 (3LO), select Add and paste the Callback URL.",
    guide_distribution: "Under Distribution, select Edit and set Distribution status to Sharing, so people outside your Atlassian organization can sign in.",
    guide_credentials: "Under Settings, copy the Client ID and Secret and paste them below.",
    site_warning: "A person can sign in only if their Atlassian account has access to at least one Atlassian site (such as Jira or Confluence), and can authorize only one site per sign-in.",
    field_required: "This field is required.",
    admin_sign_in_title: "Dashboard",
    admin_sign_in_subtitle: "Enter the instance's secret key to manage its connections.",
    secret_key: "Secret key",
    admin_sign_in_button: "Continue",
    environment_development: "Development",
    environment_production: "Production",
    portal_sign_in_url: "Account Portal sign-in URL",
    visit: "Visit",
};

static DE: Messages = Messages {
    loading: "Wird geladen…",
    redirecting: "Weiterleitung…",
    cancel: "Abbrechen",
    close: "Schließen",
    dismiss: "Ausblenden",
    retry: "Erneut versuchen",
    secured_by: "Gesichert durch Vestibule",
    continue_with: "Weiter mit {provider}",
    connect_with: "{provider} verbinden",
    network_error: "Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    unexpected_error: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
    error_with_reference: "Etwas ist schiefgelaufen (Referenz {reference}).",
    error_sentence: de_error,
    sign_in_title: "Bei {app} anmelden",
    sign_in_subtitle: "Willkommen zurück! Bitte melden Sie sich an, um fortzufahren.",
    sign_up_title: "Ihr Konto bei {app} erstellen",
    sign_up_subtitle: "Willkommen! Registrieren Sie sich mit Ihrem Arbeitskonto.",
    no_account: "Noch kein Konto?",
    sign_up_link: "Registrieren",
    have_account: "Schon ein Konto?",
    sign_in_link: "Anmelden",
    no_connections: "Noch ist keine Anmeldemethode aktiviert. Bitten Sie die Administration, eine Verbindung hinzuzufügen.",
    environment_failed: "Die Anmeldeoptionen konnten nicht geladen werden.",
    development_mode: "Entwicklungsmodus",
};
static DE_PROFILE: ProfileMessages = ProfileMessages {
    open_user_menu: "Benutzermenü öffnen",
    manage_account: "Konto verwalten",
    sign_out: "Abmelden",
    signing_out: "Abmeldung…",
    profile_title: "Konto",
    profile_subtitle: "Verwalten Sie Ihre Kontodaten.",
    profile_details: "Profildaten",
    email_address: "E-Mail-Adresse",
    verified: "Bestätigt",
    unverified: "Nicht bestätigt",
    member_since: "Mitglied seit {date}",
    connected_accounts: "Verbundene Konten",
    no_connected_accounts: "Keine Konten verbunden.",
    connect_another: "Weiteres Konto verbinden",
    authorized_site: "Autorisierte Site",
    no_site: "Keine Site autorisiert",
    reconnect_needed: "Neu verbinden nötig",
    reconnect_hint: "Atlassian akzeptiert die gespeicherte Autorisierung nicht mehr. Verbinden Sie sich erneut, um den Zugriff zu behalten.",
    reconnect: "Neu verbinden",
    disconnect: "Trennen",
    disconnect_confirm: "Das {provider}-Konto {account} trennen? Sie können sich dann nicht mehr damit anmelden.",
    active_sessions: "Aktive Geräte",
    this_device: "Dieses Gerät",
    unknown_device: "Unbekanntes Gerät",
    session_times: "Angemeldet {created} · zuletzt aktiv {active}",
    revoke_session: "Auf diesem Gerät abmelden",
    not_signed_in: "Sie sind nicht angemeldet.",
};

static DE_ADMIN: AdminMessages = AdminMessages {
    sso_title: "SSO-Verbindungen",
    sso_subtitle: "Lassen Sie Personen sich mit ihrem Atlassian-Konto registrieren und anmelden.",
    add_connection: "Verbindung hinzufügen",
    no_admin_connections: "Noch keine Verbindungen. Wählen Sie Verbindung hinzufügen, um die Anmeldung mit Atlassian zu erlauben.",
    status_enabled: "Aktiviert",
    status_disabled: "Deaktiviert",
    custom_credentials_badge: "Eigene Zugangsdaten",
    shared_credentials_badge: "Gemeinsame Zugangsdaten",
    incomplete_badge: "Zugangsdaten fehlen",
    for_all_users: "Für alle Benutzer",
    for_all_users_hint: "Alle können sich mit diesem Anbieter registrieren und anmelden.",
    for_specific_domains: "Für bestimmte Domains",
    for_specific_domains_hint: "Nur Personen mit E-Mail-Adressen Ihrer bestätigten Domains.",
    coming_later: "Folgt später",
    choose_provider: "Anbieter wählen",
    select_provider: "Einen Anbieter wählen",
    enable_for_sign_in: "Für Registrierung und Anmeldung aktivieren",
    enable_for_sign_in_hint: "Personen können sich mit diesem Anbieter registrieren und anmelden.",
    use_custom_credentials: "Eigene Zugangsdaten verwenden",
    use_custom_credentials_hint: "Client-ID und Client-Secret Ihrer eigenen Atlassian-OAuth-2.0-App verwenden.",
    custom_credentials_locked: "Produktionsinstanzen verwenden immer eigene Zugangsdaten.",
    shared_credentials_note: "Entwicklungsinstanzen können die gemeinsamen Zugangsdaten von Vestibule nutzen: Weitere Einrichtung ist nicht nötig.",
    callback_url: "Callback-URL",
    callback_url_hint: "Bewahren Sie diese URL auf: Sie fügen sie in der Atlassian Developer Console ein.",
    copy: "Kopieren",
    copied: "Kopiert",
    client_id: "Client-ID",
    client_secret: "Client-Secret",
    client_secret_stored: "Gespeichert: •••• {last4}. Leer lassen, um es zu behalten.",
    client_secret_set: "Ein Secret ist gespeichert. Leer lassen, um es zu behalten.",
    scopes: "Scopes",
    scopes_hint: "Scopes durch Leerzeichen trennen. read:me ist nötig, um das Profil zu lesen.",
    back: "Zurück",
    save: "Speichern",
    saving: "Wird gespeichert…",
    configure: "Konfigurieren",
    edit_connection_title: "{provider} konfigurieren",
    edit_connection_hint: "Fügen Sie unter Eigene Zugangsdaten verwenden die Werte aus der Atlassian Developer Console ein.",
    enable: "Aktivieren",
    disable: "Deaktivieren",
    delete: "Löschen",
    delete_confirm: "Die {provider}-Verbindung löschen? Dann kann sich niemand mehr damit anmelden.",
    guide_title: "Atlassian einrichten",
    guide_console: "Atlassian Developer Console öffnen",
    guide_create_app: "Wählen Sie neben My apps Create und dann OAuth 2.0 integration. Benennen Sie sie und wählen Sie Create.",
    guide_identity_scope: "Fügen Sie unter Permissions die User identity API mit dem Scope read:me hinzu.",
    guide_callback: "Wählen Sie unter Authorization neben OAuth 2.0 (3LO) Add und fügen Sie die Callback-URL ein.",
    guide_distribution: "Wählen Sie unter Distribution Edit und setzen Sie Distribution status auf Sharing, damit sich auch Personen außerhalb Ihrer Atlassian-Organisation anmelden können.",
    guide_credentials: "Kopieren Sie unter Settings die Client ID und das Secret und fügen Sie sie unten ein.",
    site_warning: "Eine Person kann sich nur anmelden, wenn ihr Atlassian-Konto Zugriff auf mindestens eine Atlassian-Site (etwa Jira oder Confluence) hat, und sie kann pro Anmeldung nur eine Site autorisieren.",
    field_required: "Dieses Feld ist erforderlich.",
    admin_sign_in_title: "Dashboard",
    admin_sign_in_subtitle: "Geben Sie den geheimen Schlüssel der Instanz ein, um ihre Verbindungen zu verwalten.",
    secret_key: "Geheimer Schlüssel",
    admin_sign_in_button: "Weiter",
    environment_development: "Entwicklung",
    environment_production: "Produktion",
    portal_sign_in_url: "Anmelde-URL des Account Portals",
    visit: "Öffnen",
};

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
}
