//! Validation rules that the connection form checks as the admin types and the server
//! enforces on save, so both say the same thing.

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
        Self {
            field,
            code: ErrorCode::InvalidField,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ATLASSIAN;

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
