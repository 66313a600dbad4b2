//! The connection form as plain data: what the dialog opens on, the values typed into it,
//! its errors by field, the request a submission sends, and where a server's error shows.
//! No DOM and no signals, so every rule here is tested natively.

use vestibule_core::api::{
    Connection, ConnectionAudience, CreateConnection, InstanceEnvironment, UpdateConnection,
};
use vestibule_core::validation::{self, ConnectionDraft};
use vestibule_core::{ApiError, ErrorCode, ProviderId};

use crate::api::RequestError;
use crate::i18n::Locale;

/// What the dialog is opened on; fixed while it is open.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DialogSetup {
    pub environment: InstanceEnvironment,
    /// The connection being configured; `None` while adding one.
    pub editing: Option<Connection>,
    /// What the admin pastes into the provider's console.
    pub callback_url: String,
    /// Providers that have a connection already (one connection per provider).
    pub existing: Vec<ProviderId>,
}

impl DialogSetup {
    pub fn production(&self) -> bool {
        self.environment == InstanceEnvironment::Production
    }

    /// Whether the connection being configured has a secret stored (its last four may be
    /// withheld, for a short secret, so they cannot tell).
    pub fn secret_stored(&self) -> bool {
        self.editing.as_ref().is_some_and(|c| c.client_secret_set)
    }

    /// The stored secret's last four characters, the only trace of it the admin sees.
    pub fn secret_last4(&self) -> Option<&str> {
        self.editing.as_ref()?.client_secret_last4.as_deref()
    }
}

/// The values of the form, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormValues {
    pub provider: Option<ProviderId>,
    pub enabled: bool,
    pub custom: bool,
    pub client_id: String,
    /// Always starts empty: a stored secret is never sent back to the browser.
    pub client_secret: String,
    pub scopes: String,
}

impl FormValues {
    /// What the form starts with: the connection's settings when configuring one, else a
    /// new connection's (enabled; custom credentials only where production demands them).
    pub fn initial(setup: &DialogSetup) -> Self {
        let editing = setup.editing.as_ref();
        let scopes = editing
            .map(|c| c.scopes.join(" "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_scopes(ProviderId::Atlassian));
        Self {
            provider: editing.map(|c| c.provider),
            enabled: editing.is_none_or(|c| c.enabled_for_sign_in),
            custom: setup.production() || editing.is_some_and(|c| c.use_custom_credentials),
            client_id: editing
                .and_then(|c| c.client_id.clone())
                .unwrap_or_default(),
            client_secret: String::new(),
            scopes,
        }
    }
}

/// The scopes a new connection with `provider` starts with, as the field shows them.
pub(crate) fn default_scopes(provider: ProviderId) -> String {
    provider.info().default_scopes.join(" ")
}

/// A field of the form that an error can be shown beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Provider,
    UseCustomCredentials,
    ClientId,
    ClientSecret,
    Scopes,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Self::Provider,
        Self::UseCustomCredentials,
        Self::ClientId,
        Self::ClientSecret,
        Self::Scopes,
    ];

    /// The name the API gives it (`ApiError::field`, `FieldError::field`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::UseCustomCredentials => "use_custom_credentials",
            Self::ClientId => "client_id",
            Self::ClientSecret => "client_secret",
            Self::Scopes => "scopes",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The `data-testid` of its error, such as `connection-client-id-error`.
    pub fn error_testid(self) -> &'static str {
        match self {
            Self::Provider => "connection-provider-error",
            Self::UseCustomCredentials => "connection-use-custom-credentials-error",
            Self::ClientId => "connection-client-id-error",
            Self::ClientSecret => "connection-client-secret-error",
            Self::Scopes => "connection-scopes-error",
        }
    }
}

/// Why a field is marked. The code stays a code until the field is drawn, so the sentence
/// follows the language if it changes while the dialog is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldProblem {
    /// For `data-error-code`; `None` for the form's own "choose a provider".
    pub code: Option<ErrorCode>,
    /// The field was left empty: "This field is required" says more than "check this value".
    pub empty: bool,
}

impl FieldProblem {
    fn required(code: Option<ErrorCode>) -> Self {
        Self { code, empty: true }
    }

    fn refused(code: ErrorCode) -> Self {
        Self {
            code: Some(code),
            empty: false,
        }
    }

    pub fn sentence(self, lc: Locale) -> &'static str {
        match self.code {
            Some(ErrorCode::InvalidField) | None if self.empty => lc.admin().field_required,
            Some(code) => lc.messages().error(code),
            None => lc.messages().unexpected_error,
        }
    }
}

/// The errors of one submission: one per field at most, and one for the whole form.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FormErrors {
    pub provider: Option<FieldProblem>,
    pub use_custom_credentials: Option<FieldProblem>,
    pub client_id: Option<FieldProblem>,
    pub client_secret: Option<FieldProblem>,
    pub scopes: Option<FieldProblem>,
    /// What no field explains (the network, a conflict), shown above the form.
    pub general: Option<RequestError>,
}

impl FormErrors {
    pub fn get(&self, field: Field) -> Option<FieldProblem> {
        match field {
            Field::Provider => self.provider,
            Field::UseCustomCredentials => self.use_custom_credentials,
            Field::ClientId => self.client_id,
            Field::ClientSecret => self.client_secret,
            Field::Scopes => self.scopes,
        }
    }

    fn slot(&mut self, field: Field) -> &mut Option<FieldProblem> {
        match field {
            Field::Provider => &mut self.provider,
            Field::UseCustomCredentials => &mut self.use_custom_credentials,
            Field::ClientId => &mut self.client_id,
            Field::ClientSecret => &mut self.client_secret,
            Field::Scopes => &mut self.scopes,
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Where the server's answer to a save shows: beside the field it names, or above the
    /// form. A field the server calls invalid because it was left empty is called required.
    pub fn from_server(error: RequestError, form: &FormValues, setup: &DialogSetup) -> Self {
        let mut errors = Self::default();
        match error.field().and_then(Field::parse) {
            Some(field) => {
                *errors.slot(field) = Some(FieldProblem {
                    code: error.code(),
                    empty: left_empty(field, form, setup),
                });
            }
            None => errors.general = Some(error),
        }
        errors
    }
}

/// Whether `field` was left empty with nothing stored to fall back on.
fn left_empty(field: Field, form: &FormValues, setup: &DialogSetup) -> bool {
    match field {
        Field::ClientId => form.client_id.trim().is_empty(),
        Field::ClientSecret => form.client_secret.trim().is_empty() && !setup.secret_stored(),
        _ => false,
    }
}

/// What a submission sends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Save {
    Create(CreateConnection),
    /// The connection's id, and only what the form sets.
    Update(String, UpdateConnection),
}

/// Checks the form as the server will, and builds the request: every field's error at
/// once, so the admin fixes them in one go instead of learning of one per submission.
pub(crate) fn build_request(form: &FormValues, setup: &DialogSetup) -> Result<Save, FormErrors> {
    let mut errors = FormErrors::default();
    let Some(provider) = form.provider else {
        errors.provider = Some(FieldProblem::required(None));
        return Err(errors);
    };
    // Credentials travel only with custom credentials on. An empty field sends nothing,
    // which when configuring keeps the stored value.
    let mut credential = |field: Field, value: &str| -> Option<String> {
        if !form.custom || value.trim().is_empty() {
            return None;
        }
        validation::credential(field.name(), value)
            .map_err(|e| *errors.slot(field) = Some(FieldProblem::refused(e.code)))
            .ok()
    };
    let client_id = credential(Field::ClientId, &form.client_id);
    let client_secret = credential(Field::ClientSecret, &form.client_secret);
    let scopes = form
        .custom
        .then(|| validation::scopes(provider.info(), &[form.scopes.as_str()]))
        .transpose()
        .map_err(|e| errors.scopes = Some(FieldProblem::refused(e.code)))
        .ok()
        .flatten();

    let stored = setup.editing.as_ref();
    let draft = ConnectionDraft {
        environment: setup.environment,
        audience: ConnectionAudience::AllUsers,
        enabled_for_sign_in: form.enabled,
        use_custom_credentials: form.custom,
        has_client_id: !form.client_id.trim().is_empty()
            || stored.is_some_and(|c| c.client_id.is_some()),
        has_client_secret: !form.client_secret.trim().is_empty() || setup.secret_stored(),
    };
    for broken in validation::connection(&draft) {
        match Field::parse(broken.field) {
            Some(field) => {
                let slot = errors.slot(field);
                if slot.is_none() {
                    *slot = Some(FieldProblem {
                        code: Some(broken.code),
                        empty: left_empty(field, form, setup),
                    });
                }
            }
            // A rule on something the form does not show: the server's answer, in advance.
            None if errors.general.is_none() => {
                errors.general = Some(RequestError::Api {
                    status: 400,
                    error: ApiError {
                        code: broken.code,
                        message: broken.message,
                        field: Some(broken.field.to_owned()),
                        reference: None,
                    },
                });
            }
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match stored {
        None => Save::Create(CreateConnection {
            provider,
            audience: ConnectionAudience::AllUsers,
            enabled_for_sign_in: form.enabled,
            use_custom_credentials: form.custom,
            client_id,
            client_secret,
            scopes,
        }),
        Some(connection) => Save::Update(
            connection.id.clone(),
            UpdateConnection {
                enabled_for_sign_in: Some(form.enabled),
                use_custom_credentials: Some(form.custom),
                client_id,
                client_secret,
                scopes,
            },
        ),
    })
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
