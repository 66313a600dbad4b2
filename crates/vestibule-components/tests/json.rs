//! The hand-written JSON readers agree with serde's serialization of the same types, so
//! the server (serde) and the components (readers) cannot drift apart unnoticed.
#![cfg(target_arch = "wasm32")]

use vestibule_components::FromJson;
use vestibule_components::vestibule_core::api::*;
use vestibule_components::vestibule_core::{ApiError, ErrorCode, ProviderId};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn round_trip<T: serde::Serialize + FromJson + PartialEq + std::fmt::Debug>(value: &T) {
    let text = serde_json::to_string(value).unwrap();
    let parsed = js_sys::JSON::parse(&text).unwrap();
    assert_eq!(T::from_json(&parsed).as_ref(), Some(value), "{text}");
}

fn account(reconnect_needed: bool, site: bool) -> ExternalAccount {
    ExternalAccount {
        id: "ext_1".into(),
        provider: ProviderId::Atlassian,
        provider_account_id: "557058:abc".into(),
        email: Some("ada@example.com".into()),
        email_verified: true,
        name: None,
        avatar_url: Some("https://avatar.example/a.png".into()),
        site: site.then(|| AtlassianSite {
            id: "cloud-1".into(),
            name: "acme".into(),
            url: "https://acme.atlassian.net".into(),
            avatar_url: None,
        }),
        scopes: vec!["read:me".into(), "read:jira-work".into()],
        reconnect_needed,
        created_at: 1_700_000_000,
    }
}

#[wasm_bindgen_test]
fn json_readers_agree_with_serde() {
    let session = SessionInfo {
        id: "sess_1".into(),
        created_at: 1,
        last_active_at: 2,
        expires_at: 3,
        user_agent: None,
        current: true,
    };
    round_trip(&Environment {
        environment: InstanceEnvironment::Production,
        application_name: "Acme".into(),
        connections: vec![PublicConnection {
            provider: ProviderId::Atlassian,
            display_name: "Atlassian".into(),
            icon_url: "/icons/atlassian.svg".into(),
        }],
        portal: PortalUrls {
            sign_in_url: "a".into(),
            sign_up_url: "b".into(),
            user_profile_url: "c".into(),
            after_sign_in_url: "d".into(),
        },
    });
    round_trip(&ClientState::default());
    round_trip(&ClientState {
        session: Some(session.clone()),
        user: Some(User {
            id: "user_1".into(),
            name: Some("Ada".into()),
            email: None,
            email_verified: false,
            avatar_url: None,
            created_at: 5,
            external_accounts: vec![account(false, true), account(true, false)],
        }),
    });
    round_trip(&SessionList {
        sessions: vec![
            session.clone(),
            SessionInfo {
                current: false,
                user_agent: Some("UA".into()),
                ..session
            },
        ],
    });
    let connection = Connection {
        id: "conn_1".into(),
        provider: ProviderId::Atlassian,
        audience: ConnectionAudience::AllUsers,
        enabled_for_sign_in: true,
        use_custom_credentials: true,
        client_id: Some("id".into()),
        client_secret_set: true,
        client_secret_last4: Some("wxyz".into()),
        scopes: vec!["read:me".into()],
        callback_url: "https://x/cb".into(),
        created_at: 1,
        updated_at: 2,
    };
    round_trip(&ConnectionList {
        environment: InstanceEnvironment::Development,
        callback_url: "https://x/cb".into(),
        connections: vec![
            connection.clone(),
            Connection {
                client_id: None,
                client_secret_last4: None,
                ..connection
            },
        ],
    });
    for code in ErrorCode::ALL {
        round_trip(&ApiError {
            code: *code,
            message: "m".into(),
            field: Some("client_id".into()),
            reference: None,
        });
    }
}

#[wasm_bindgen_test]
fn unknown_providers_are_skipped_and_unknown_fields_ignored() {
    let text = r#"{"environment":"development","application_name":"Acme","extra":1,
        "connections":[{"provider":"github","display_name":"GitHub","icon_url":""},
                       {"provider":"atlassian","display_name":"Atlassian","icon_url":""}],
        "portal":{"sign_in_url":"a","sign_up_url":"b","user_profile_url":"c","after_sign_in_url":"d"}}"#;
    let env = Environment::from_json(&js_sys::JSON::parse(text).unwrap()).unwrap();
    assert_eq!(env.connections.len(), 1);
    assert_eq!(env.connections[0].provider, ProviderId::Atlassian);
    assert!(Environment::from_json(&js_sys::JSON::parse("{}").unwrap()).is_none());
}
