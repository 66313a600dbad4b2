//! The form's rules, natively: what it sends, what it refuses, and where errors show.

use super::*;
use InstanceEnvironment::{Development, Production};

fn adding(environment: InstanceEnvironment) -> DialogSetup {
    DialogSetup {
        environment,
        editing: None,
        callback_url: "https://vst.test/v1/oauth/atlassian/callback".into(),
        existing: Vec::new(),
    }
}

/// Configuring a stored connection with custom credentials (`abc123`, secret `…wxyz`).
fn configuring(environment: InstanceEnvironment) -> DialogSetup {
    DialogSetup {
        editing: Some(Connection {
            id: "conn_1".into(),
            provider: ProviderId::Atlassian,
            audience: ConnectionAudience::AllUsers,
            enabled_for_sign_in: true,
            use_custom_credentials: true,
            client_id: Some("abc123".into()),
            client_secret_set: true,
            client_secret_last4: Some("wxyz".into()),
            scopes: vec!["read:me".into(), "read:jira-work".into()],
            callback_url: String::new(),
            created_at: 0,
            updated_at: 0,
        }),
        ..adding(environment)
    }
}

/// Atlassian chosen, with custom credentials on and nothing typed.
fn custom_form(setup: &DialogSetup) -> FormValues {
    FormValues {
        provider: Some(ProviderId::Atlassian),
        custom: true,
        ..FormValues::initial(setup)
    }
}

fn api_error(code: ErrorCode, field: Option<&str>) -> RequestError {
    RequestError::Api {
        status: 400,
        error: ApiError {
            code,
            message: "from the server".into(),
            field: field.map(str::to_owned),
            reference: None,
        },
    }
}

#[test]
fn a_new_form_starts_enabled_with_default_scopes_and_custom_only_in_production() {
    let dev = FormValues::initial(&adding(Development));
    assert_eq!(dev.provider, None);
    assert!(dev.enabled);
    assert!(!dev.custom);
    assert_eq!(dev.scopes, "read:me");
    assert!(FormValues::initial(&adding(Production)).custom);
}

#[test]
fn configuring_starts_from_the_stored_connection_without_its_secret() {
    let form = FormValues::initial(&configuring(Development));
    assert_eq!(form.provider, Some(ProviderId::Atlassian));
    assert!(form.custom);
    assert_eq!(form.client_id, "abc123");
    assert_eq!(form.client_secret, "");
    assert_eq!(form.scopes, "read:me read:jira-work");
}

#[test]
fn no_provider_is_required_and_nothing_else_is_checked() {
    let setup = adding(Development);
    let errors = build_request(&FormValues::initial(&setup), &setup).unwrap_err();
    assert_eq!(
        errors,
        FormErrors {
            provider: Some(FieldProblem {
                code: None,
                empty: true
            }),
            ..FormErrors::default()
        }
    );
    assert_eq!(
        errors.provider.unwrap().sentence(Locale::En),
        "This field is required."
    );
}

#[test]
fn shared_credentials_send_no_credentials_or_scopes() {
    let setup = adding(Development);
    let form = FormValues {
        provider: Some(ProviderId::Atlassian),
        // Typed, then custom credentials switched off again: not sent.
        client_id: "typed-before".into(),
        ..FormValues::initial(&setup)
    };
    let Ok(Save::Create(body)) = build_request(&form, &setup) else {
        panic!("a create");
    };
    assert_eq!(body.provider, ProviderId::Atlassian);
    assert_eq!(body.audience, ConnectionAudience::AllUsers);
    assert!(body.enabled_for_sign_in);
    assert!(!body.use_custom_credentials);
    assert_eq!(
        (body.client_id, body.client_secret, body.scopes),
        (None, None, None)
    );
}

#[test]
fn custom_credentials_are_trimmed_and_scopes_split() {
    let setup = adding(Development);
    let form = FormValues {
        client_id: "  my-client-id ".into(),
        client_secret: "s3cr3t-value".into(),
        scopes: "read:me read:jira-work".into(),
        ..custom_form(&setup)
    };
    let Ok(Save::Create(body)) = build_request(&form, &setup) else {
        panic!("a create");
    };
    assert!(body.use_custom_credentials);
    assert_eq!(body.client_id.as_deref(), Some("my-client-id"));
    assert_eq!(body.client_secret.as_deref(), Some("s3cr3t-value"));
    assert_eq!(
        body.scopes,
        Some(vec!["read:me".to_owned(), "read:jira-work".to_owned()])
    );
}

#[test]
fn both_empty_credentials_are_marked_at_once_as_required() {
    for environment in [Development, Production] {
        let setup = adding(environment);
        let errors = build_request(&custom_form(&setup), &setup).unwrap_err();
        let required = Some(FieldProblem {
            code: Some(ErrorCode::InvalidField),
            empty: true,
        });
        assert_eq!(errors.client_id, required, "{environment:?}");
        assert_eq!(errors.client_secret, required, "{environment:?}");
        assert_eq!(
            (errors.provider, errors.scopes, errors.general),
            (None, None, None)
        );
        assert_eq!(
            errors.client_secret.unwrap().sentence(Locale::De),
            "Dieses Feld ist erforderlich."
        );
    }
}

#[test]
fn a_disabled_connection_may_be_saved_without_credentials() {
    let setup = adding(Development);
    let form = FormValues {
        enabled: false,
        ..custom_form(&setup)
    };
    assert!(matches!(build_request(&form, &setup), Ok(Save::Create(_))));
}

#[test]
fn every_bad_value_is_marked_at_once_and_a_bad_value_is_not_called_missing() {
    let setup = adding(Development);
    let form = FormValues {
        client_id: "has space".into(),
        scopes: "read:jira-work".into(),
        ..custom_form(&setup)
    };
    let errors = build_request(&form, &setup).unwrap_err();
    let refused = Some(FieldProblem {
        code: Some(ErrorCode::InvalidField),
        empty: false,
    });
    assert_eq!(errors.client_id, refused);
    assert_eq!(errors.scopes, refused);
    assert_eq!(
        errors.client_secret.map(|p| p.empty),
        Some(true),
        "the secret is still missing"
    );
    assert_eq!(
        errors.client_id.unwrap().sentence(Locale::En),
        Locale::En.messages().error(ErrorCode::InvalidField)
    );
}

#[test]
fn configuring_keeps_stored_halves_and_sends_only_what_is_typed() {
    let setup = configuring(Production);
    let form = FormValues {
        client_id: "new-id".into(),
        ..FormValues::initial(&setup)
    };
    let Ok(Save::Update(id, body)) = build_request(&form, &setup) else {
        panic!("an update");
    };
    assert_eq!(id, "conn_1");
    assert_eq!(body.client_id.as_deref(), Some("new-id"));
    assert_eq!(
        body.client_secret, None,
        "an empty field keeps the stored secret"
    );
    assert_eq!(body.enabled_for_sign_in, Some(true));
    assert_eq!(body.use_custom_credentials, Some(true));

    // Turning custom credentials on for a connection that has none stored needs both.
    let mut shared = configuring(Development);
    if let Some(c) = shared.editing.as_mut() {
        (c.use_custom_credentials, c.client_id, c.client_secret_set) = (false, None, false);
        c.client_secret_last4 = None;
    }
    let errors = build_request(&custom_form(&shared), &shared).unwrap_err();
    assert!(errors.client_id.is_some() && errors.client_secret.is_some());
}

#[test]
fn a_server_error_shows_beside_the_field_it_names() {
    let setup = adding(Production);
    let form = FormValues {
        client_id: "abc".into(),
        client_secret: "def".into(),
        ..custom_form(&setup)
    };
    let error = api_error(ErrorCode::CustomCredentialsRequired, Some("client_id"));
    let errors = FormErrors::from_server(error, &form, &setup);
    let problem = errors.client_id.unwrap();
    assert_eq!(problem.code, Some(ErrorCode::CustomCredentialsRequired));
    assert!(
        problem
            .sentence(Locale::En)
            .contains("own Client ID and Client Secret")
    );
    assert_eq!(errors.general, None);
}

#[test]
fn a_server_error_about_an_empty_field_says_required() {
    let setup = adding(Development);
    let error = api_error(ErrorCode::InvalidField, Some("client_secret"));
    let errors = FormErrors::from_server(error.clone(), &custom_form(&setup), &setup);
    assert_eq!(
        errors.client_secret.unwrap().sentence(Locale::En),
        "This field is required."
    );
    // With a secret stored, an empty field is not what the server complains about.
    let setup = configuring(Development);
    let errors = FormErrors::from_server(error, &FormValues::initial(&setup), &setup);
    assert!(!errors.client_secret.unwrap().empty);
}

#[test]
fn a_server_error_without_a_known_field_goes_above_the_form() {
    let setup = adding(Development);
    for error in [
        api_error(ErrorCode::ConnectionExists, None),
        api_error(ErrorCode::InvalidField, Some("audience")),
        RequestError::Network,
    ] {
        let errors = FormErrors::from_server(error.clone(), &custom_form(&setup), &setup);
        assert_eq!(
            errors,
            FormErrors {
                general: Some(error),
                ..FormErrors::default()
            }
        );
    }
}

#[test]
fn field_names_are_the_apis_and_test_ids_follow_them() {
    for field in Field::ALL {
        assert_eq!(Field::parse(field.name()), Some(field));
        assert_eq!(
            field.error_testid(),
            format!("connection-{}-error", field.name().replace('_', "-"))
        );
    }
    assert_eq!(Field::parse("audience"), None);
}

#[test]
fn a_stored_secret_counts_even_when_its_last_four_are_withheld() {
    let mut setup = configuring(Development);
    if let Some(c) = setup.editing.as_mut() {
        c.client_secret_last4 = None;
    }
    let form = FormValues::initial(&setup);
    let Ok(Save::Update(_, body)) = build_request(&form, &setup) else {
        panic!("the stored secret is enough");
    };
    assert_eq!(body.client_secret, None);
    let error = api_error(ErrorCode::InvalidField, Some("client_secret"));
    assert!(
        !FormErrors::from_server(error, &form, &setup)
            .client_secret
            .unwrap()
            .empty
    );
}
