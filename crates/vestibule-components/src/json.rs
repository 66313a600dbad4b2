//! Reads the server's JSON answers (already parsed by the browser's `JSON.parse`) into
//! vestibule-core's types.
//!
//! Why not `serde_json` or `serde-wasm-bindgen`: measured on the sign-in example, serde's
//! derived deserializers plus either parser cost about 10 KB of brotli-compressed wasm,
//! which every visitor of a sign-in page downloads; these readers cost a fraction of that.
//! Writes still use `serde_json::to_string` (serializing is small). The wasm test
//! `json_readers_agree_with_serde` checks every reader against serde's own output, so the
//! two cannot drift apart unnoticed.
//!
//! Readers are lenient where the server may grow: unknown fields are ignored, and a
//! connection of a provider this version does not know is skipped rather than failing
//! the whole list.

use js_sys::{Array, Reflect};
use vestibule_core::api::{
    AtlassianSite, ClientState, Connection, ConnectionAudience, ConnectionList, Environment,
    ExternalAccount, InstanceEnvironment, PortalUrls, PublicConnection, SessionInfo, SessionList,
    User,
};
use vestibule_core::{ApiError, ErrorCode, ProviderId};
use wasm_bindgen::JsValue;

/// A type that can be read from a parsed JSON value.
pub trait FromJson: Sized {
    /// `None` when a required field is missing or has the wrong type.
    fn from_json(value: &JsValue) -> Option<Self>;
}

fn get(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn string(value: &JsValue, name: &str) -> Option<String> {
    get(value, name).as_string()
}

/// A field that may be `null` or absent.
fn optional_string(value: &JsValue, name: &str) -> Option<String> {
    get(value, name).as_string()
}

fn boolean(value: &JsValue, name: &str) -> Option<bool> {
    get(value, name).as_bool()
}

fn int(value: &JsValue, name: &str) -> Option<i64> {
    get(value, name).as_f64().map(|f| f as i64)
}

fn list<T: FromJson>(value: &JsValue, name: &str) -> Option<Vec<T>> {
    let items = get(value, name);
    Array::is_array(&items).then(|| {
        Array::from(&items)
            .iter()
            .filter_map(|i| T::from_json(&i))
            .collect()
    })
}

fn strings(value: &JsValue, name: &str) -> Option<Vec<String>> {
    let items = get(value, name);
    Array::is_array(&items).then(|| {
        Array::from(&items)
            .iter()
            .filter_map(|i| i.as_string())
            .collect()
    })
}

/// An object field that may be `null`: `Some(None)` for null, `None` for garbage.
fn optional<T: FromJson>(value: &JsValue, name: &str) -> Option<Option<T>> {
    let field = get(value, name);
    if field.is_null() || field.is_undefined() {
        Some(None)
    } else {
        T::from_json(&field).map(Some)
    }
}

fn provider(value: &JsValue, name: &str) -> Option<ProviderId> {
    ProviderId::parse(&string(value, name)?)
}

fn environment(value: &JsValue, name: &str) -> Option<InstanceEnvironment> {
    match string(value, name)?.as_str() {
        "development" => Some(InstanceEnvironment::Development),
        "production" => Some(InstanceEnvironment::Production),
        _ => None,
    }
}

impl FromJson for Environment {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            environment: environment(v, "environment")?,
            application_name: string(v, "application_name")?,
            connections: list(v, "connections")?,
            portal: PortalUrls::from_json(&get(v, "portal"))?,
        })
    }
}

impl FromJson for PublicConnection {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            provider: provider(v, "provider")?,
            display_name: string(v, "display_name")?,
            icon_url: string(v, "icon_url").unwrap_or_default(),
        })
    }
}

impl FromJson for PortalUrls {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            sign_in_url: string(v, "sign_in_url")?,
            sign_up_url: string(v, "sign_up_url")?,
            user_profile_url: string(v, "user_profile_url")?,
            after_sign_in_url: string(v, "after_sign_in_url")?,
        })
    }
}

impl FromJson for ClientState {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            session: optional(v, "session")?,
            user: optional(v, "user")?,
        })
    }
}

impl FromJson for SessionInfo {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            created_at: int(v, "created_at")?,
            last_active_at: int(v, "last_active_at")?,
            expires_at: int(v, "expires_at")?,
            user_agent: optional_string(v, "user_agent"),
            current: boolean(v, "current").unwrap_or(false),
        })
    }
}

impl FromJson for SessionList {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            sessions: list(v, "sessions")?,
        })
    }
}

impl FromJson for User {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            name: optional_string(v, "name"),
            email: optional_string(v, "email"),
            email_verified: boolean(v, "email_verified").unwrap_or(false),
            avatar_url: optional_string(v, "avatar_url"),
            created_at: int(v, "created_at")?,
            external_accounts: list(v, "external_accounts").unwrap_or_default(),
        })
    }
}

impl FromJson for ExternalAccount {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            provider: provider(v, "provider")?,
            provider_account_id: string(v, "provider_account_id")?,
            email: optional_string(v, "email"),
            email_verified: boolean(v, "email_verified").unwrap_or(false),
            name: optional_string(v, "name"),
            avatar_url: optional_string(v, "avatar_url"),
            site: optional(v, "site")?,
            scopes: strings(v, "scopes").unwrap_or_default(),
            reconnect_needed: boolean(v, "reconnect_needed").unwrap_or(false),
            created_at: int(v, "created_at")?,
        })
    }
}

impl FromJson for AtlassianSite {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            name: string(v, "name")?,
            url: string(v, "url")?,
            avatar_url: optional_string(v, "avatar_url"),
        })
    }
}

impl FromJson for Connection {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            provider: provider(v, "provider")?,
            audience: match string(v, "audience").as_deref() {
                Some("specific_domains") => ConnectionAudience::SpecificDomains,
                _ => ConnectionAudience::AllUsers,
            },
            enabled_for_sign_in: boolean(v, "enabled_for_sign_in")?,
            use_custom_credentials: boolean(v, "use_custom_credentials")?,
            client_id: optional_string(v, "client_id"),
            client_secret_set: boolean(v, "client_secret_set").unwrap_or(false),
            client_secret_last4: optional_string(v, "client_secret_last4"),
            scopes: strings(v, "scopes").unwrap_or_default(),
            callback_url: string(v, "callback_url").unwrap_or_default(),
            created_at: int(v, "created_at").unwrap_or_default(),
            updated_at: int(v, "updated_at").unwrap_or_default(),
        })
    }
}

impl FromJson for ConnectionList {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            environment: environment(v, "environment")?,
            callback_url: string(v, "callback_url")?,
            connections: list(v, "connections")?,
        })
    }
}

impl FromJson for ApiError {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            // A code this version does not know still is an error; say "internal".
            code: string(v, "code")
                .and_then(|c| ErrorCode::parse(&c))
                .unwrap_or(ErrorCode::Internal),
            message: string(v, "message").unwrap_or_default(),
            field: optional_string(v, "field"),
            reference: optional_string(v, "reference"),
        })
    }
}

/// Answers whose body nobody reads (`204 No Content`, `{}`).
impl FromJson for () {
    fn from_json(_: &JsValue) -> Option<Self> {
        Some(())
    }
}
