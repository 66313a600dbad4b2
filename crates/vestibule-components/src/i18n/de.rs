//! The German sentences.

use vestibule_core::ErrorCode;

use super::{AdminMessages, Messages, ProfileMessages};

impl Messages {
    /// German.
    pub const DE: Self = Self {
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
        errors: de_error,
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
}

impl ProfileMessages {
    /// German.
    pub const DE: Self = Self {
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
}

impl AdminMessages {
    /// German.
    pub const DE: Self = Self {
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
        SignInTokenInvalid => {
            "Dieser Anmeldelink ist abgelaufen oder wurde schon benutzt. Fordern Sie einen neuen an."
        }
        UserBanned => "Dieses Konto wurde gesperrt. Wenden Sie sich an den Support der App.",
        TokenMissing => "Sie sind bei dieser App nicht angemeldet. Bitte melden Sie sich an.",
        TokenExpired => {
            "Ihre Sitzung muss erneuert werden. Laden Sie die Seite neu und versuchen Sie es erneut."
        }
        TokenNotYetValid => {
            "Die Uhr dieses Geräts scheint falsch zu gehen. Stellen Sie die Zeit richtig und versuchen Sie es erneut."
        }
        TokenInvalid => {
            "Ihre Sitzung konnte nicht bestätigt werden. Bitte melden Sie sich erneut an."
        }
        TokenWrongIssuer => {
            "Sie sind bei einer anderen Instanz angemeldet. Bitte melden Sie sich hier an."
        }
        TokenUnauthorizedParty => "Diese App nimmt keine Anmeldungen von dieser Seite an.",
        JwksUnavailable => {
            "Der Anmeldedienst hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal."
        }
    }
}
