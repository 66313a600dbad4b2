//! Validation rules that the connection form checks before it sends and the server
//! enforces on save, so both say the same thing.

use crate::api::{ConnectionAudience, InstanceEnvironment};
use crate::error::ErrorCode;
use crate::provider::ProviderInfo;

/// A failed rule: the field at fault and a sentence for developers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self::with_code(field, ErrorCode::InvalidField, message)
    }

    fn with_code(field: &'static str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}

const MAX_CREDENTIAL_LEN: usize = 512;

/// A client id or secret as pasted from the provider's console: trimmed, non-empty,
/// printable ASCII without spaces (what Atlassian issues), and of sane length.
pub fn credential(field: &'static str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, format!("{field} must not be empty")));
    }
    if value.len() > MAX_CREDENTIAL_LEN {
        return Err(FieldError::new(
            field,
            format!("{field} is longer than {MAX_CREDENTIAL_LEN} characters"),
        ));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new(
            field,
            format!("{field} may contain only visible ASCII characters without spaces"),
        ));
    }
    Ok(value.to_owned())
}

/// Scopes as typed into the form or sent as a list: split on whitespace and commas,
/// de-duplicated in order, each a valid scope token, and the provider's required ones kept.
pub fn scopes<S: AsRef<str>>(
    provider: &ProviderInfo,
    input: &[S],
) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for raw in input {
        for scope in raw
            .as_ref()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
        {
            // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
            let valid = scope
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid || scope.len() > 128 {
                return Err(FieldError::new(
                    "scopes",
                    format!("\"{scope}\" is not a valid scope"),
                ));
            }
            if Some(scope) == provider.offline_scope {
                // Asked for by the server itself; keeping it out of the list avoids confusion.
                continue;
            }
            if !out.iter().any(|s| s == scope) {
                out.push(scope.to_owned());
            }
        }
    }
    for required in provider.required_scopes {
        if !out.iter().any(|s| s == required) {
            return Err(FieldError::new(
                "scopes",
                format!("scopes must include {required}, which sign-in needs to read the profile"),
            ));
        }
    }
    Ok(out)
}

/// A connection as it would be stored after a save: what [`connection`] checks. For an
/// update the stored values stand in for those the request leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionDraft {
    pub environment: InstanceEnvironment,
    pub audience: ConnectionAudience,
    pub enabled_for_sign_in: bool,
    pub use_custom_credentials: bool,
    pub has_client_id: bool,
    pub has_client_secret: bool,
}

/// The rules every saved connection keeps: only the `all_users` audience for now; a
/// production instance signs in only with the app's own credentials; and custom credentials
/// need both halves before they can be enabled.
///
/// Returns every broken rule (empty when all hold), in the order of the form's fields, so
/// that a form can mark each field at once; the server answers with the first.
pub fn connection(draft: &ConnectionDraft) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if draft.audience == ConnectionAudience::SpecificDomains {
        errors.push(FieldError::new(
            "audience",
            "specific_domains is not supported yet; use all_users",
        ));
    }
    if !draft.enabled_for_sign_in {
        // A disabled connection signs nobody in, so it may be saved half configured.
        return errors;
    }
    if draft.environment == InstanceEnvironment::Production && !draft.use_custom_credentials {
        errors.push(FieldError::with_code(
            "use_custom_credentials",
            ErrorCode::CustomCredentialsRequired,
            "a production instance signs in only with the app's own Client ID and Secret",
        ));
    }
    if draft.use_custom_credentials {
        if !draft.has_client_id {
            errors.push(FieldError::new(
                "client_id",
                "client_id is required with custom credentials",
            ));
        }
        if !draft.has_client_secret {
            errors.push(FieldError::new(
                "client_secret",
                "client_secret is required with custom credentials",
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ATLASSIAN;
    use InstanceEnvironment::{Development, Production};

    /// An enabled connection for all users with both halves of custom credentials.
    fn complete(environment: InstanceEnvironment) -> ConnectionDraft {
        ConnectionDraft {
            environment,
            audience: ConnectionAudience::AllUsers,
            enabled_for_sign_in: true,
            use_custom_credentials: true,
            has_client_id: true,
            has_client_secret: true,
        }
    }

    fn broken(draft: ConnectionDraft) -> Vec<(&'static str, ErrorCode)> {
        connection(&draft)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn production_needs_custom_credentials_to_enable() {
        let shared = ConnectionDraft {
            use_custom_credentials: false,
            has_client_id: false,
            has_client_secret: false,
            ..complete(Production)
        };
        assert_eq!(
            broken(shared),
            [(
                "use_custom_credentials",
                ErrorCode::CustomCredentialsRequired
            )]
        );
        let disabled = ConnectionDraft {
            enabled_for_sign_in: false,
            ..shared
        };
        assert_eq!(broken(disabled), []);
        assert_eq!(broken(complete(Production)), []);
        let development = ConnectionDraft {
            environment: Development,
            ..shared
        };
        assert_eq!(broken(development), []);
    }

    #[test]
    fn custom_credentials_need_both_halves_when_enabled_and_name_each_missing_one() {
        let neither = ConnectionDraft {
            has_client_id: false,
            has_client_secret: false,
            ..complete(Development)
        };
        assert_eq!(
            broken(neither),
            [
                ("client_id", ErrorCode::InvalidField),
                ("client_secret", ErrorCode::InvalidField)
            ]
        );
        let no_secret = ConnectionDraft {
            has_client_id: true,
            ..neither
        };
        assert_eq!(
            broken(no_secret),
            [("client_secret", ErrorCode::InvalidField)]
        );
        let no_id = ConnectionDraft {
            has_client_secret: true,
            ..neither
        };
        assert_eq!(broken(no_id), [("client_id", ErrorCode::InvalidField)]);
        let disabled = ConnectionDraft {
            enabled_for_sign_in: false,
            ..neither
        };
        assert_eq!(broken(disabled), []);
    }

    #[test]
    fn specific_domains_is_refused_first_even_when_disabled() {
        let domains = ConnectionDraft {
            audience: ConnectionAudience::SpecificDomains,
            has_client_id: false,
            ..complete(Development)
        };
        assert_eq!(
            broken(domains),
            [
                ("audience", ErrorCode::InvalidField),
                ("client_id", ErrorCode::InvalidField)
            ]
        );
        let disabled = ConnectionDraft {
            enabled_for_sign_in: false,
            ..domains
        };
        assert_eq!(broken(disabled), [("audience", ErrorCode::InvalidField)]);
    }

    #[test]
    fn credential_is_trimmed_and_checked() {
        assert_eq!(credential("client_id", "  abc123 \n").unwrap(), "abc123");
        assert_eq!(
            credential("client_id", "  ").unwrap_err().field,
            "client_id"
        );
        assert!(credential("client_secret", "has space").is_err());
        assert!(credential("client_secret", &"x".repeat(513)).is_err());
        assert!(credential("client_secret", "ünïcode").is_err());
    }

    #[test]
    fn scopes_split_dedupe_and_require_read_me() {
        assert_eq!(
            scopes(&ATLASSIAN, &["read:me read:jira-work,read:me"]).unwrap(),
            vec!["read:me", "read:jira-work"]
        );
        assert_eq!(
            scopes(&ATLASSIAN, &["read:jira-work"]).unwrap_err().field,
            "scopes"
        );
        assert!(scopes(&ATLASSIAN, &["read:me", "bad\"scope"]).is_err());
        assert_eq!(
            scopes(&ATLASSIAN, &["read:me offline_access"]).unwrap(),
            vec!["read:me"]
        );
    }
}
