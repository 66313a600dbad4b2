//! The English sentences, the tables every other language is checked against.

use vestibule_core::ErrorCode;

use super::{AdminMessages, Messages, ProfileMessages};

impl Messages {
    /// English.
    pub const EN: Self = Self {
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
        errors: en_error,
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
}

impl ProfileMessages {
    /// English.
    pub const EN: Self = Self {
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
}

impl AdminMessages {
    /// English.
    pub const EN: Self = Self {
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
        SignInTokenInvalid => "This sign-in link expired or was already used. Ask for a new one.",
        UserBanned => "This account has been suspended. Contact the app's support.",
        // Session tokens: the app's own backend answers with these.
        TokenMissing => "You are not signed in to this app. Please sign in.",
        TokenExpired => "Your session needs refreshing. Reload the page and try again.",
        TokenNotYetValid => {
            "This device's clock seems to be off. Correct the time, then try again."
        }
        TokenInvalid => "Your session could not be confirmed. Please sign in again.",
        TokenWrongIssuer => "You are signed in to another instance. Please sign in here.",
        TokenUnauthorizedParty => "This app does not accept sign-ins from this page.",
        JwksUnavailable => {
            "The sign-in service did not answer in time. Please try again in a moment."
        }
    }
}
