//! The props of a mount call: a plain JavaScript object whose names are the Leptos props'
//! in camelCase (`redirectUrl` for `redirect_url`), checked against the component's list so
//! a typo or a wrong type is a console error that names the call, never a silent default
//! or a panic.

use js_sys::{Object, Reflect};
use vestibule_components::{Appearance, Locale, Theme};
use wasm_bindgen::{JsCast, JsValue};

/// The props one component takes, as JavaScript names them.
pub(crate) const SIGN_IN: &[&str] = &["class", "redirectUrl", "signUpUrl", "appearance", "locale"];
pub(crate) const SIGN_UP: &[&str] = &["class", "redirectUrl", "signInUrl", "appearance", "locale"];
pub(crate) const USER_BUTTON: &[&str] = &[
    "class",
    "userProfileUrl",
    "afterSignOutUrl",
    "showName",
    "appearance",
    "locale",
];
pub(crate) const USER_PROFILE: &[&str] = &["class", "afterSignOutUrl", "appearance", "locale"];
/// The options of `load()`.
pub(crate) const LOAD: &[&str] = &["frontendApi", "locale", "appearance", "sessionCookie"];

/// Every prop any component takes; each mount reads the ones its list allows.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Props {
    pub class: Option<String>,
    pub redirect_url: Option<String>,
    pub sign_up_url: Option<String>,
    pub sign_in_url: Option<String>,
    pub user_profile_url: Option<String>,
    pub after_sign_out_url: Option<String>,
    pub show_name: bool,
    pub appearance: Option<Appearance>,
    pub locale: Option<Locale>,
    pub frontend_api: Option<String>,
    pub session_cookie: Option<bool>,
}

/// Reads `value` (an object, `undefined` or `null`) as the props of `call`, allowing the
/// names in `known`. Every problem is returned as a sentence; the props that were right
/// are kept, so one typo does not undo the rest.
pub(crate) fn read(call: &str, known: &[&str], value: &JsValue) -> (Props, Vec<String>) {
    let mut props = Props::default();
    let mut problems = Vec::new();
    if value.is_undefined() || value.is_null() {
        return (props, problems);
    }
    let Some(object) = value.dyn_ref::<Object>().filter(|_| value.is_object()) else {
        problems.push(format!(
            "vestibule: {call}: props must be an object, not {}",
            type_name(value)
        ));
        return (props, problems);
    };
    for name in Object::keys(object).iter().filter_map(|k| k.as_string()) {
        if !known.contains(&name.as_str()) {
            problems.push(unknown_prop(call, &name, known));
            continue;
        }
        let field = Reflect::get(value, &JsValue::from_str(&name)).unwrap_or(JsValue::UNDEFINED);
        if field.is_undefined() || field.is_null() {
            continue;
        }
        if let Err(problem) = set(&mut props, &name, &field) {
            problems.push(format!("vestibule: {call}: prop \"{name}\" {problem}"));
        }
    }
    (props, problems)
}

/// Stores one known, present prop, or says what is wrong with its value.
fn set(props: &mut Props, name: &str, value: &JsValue) -> Result<(), String> {
    let text = || {
        value
            .as_string()
            .ok_or_else(|| format!("must be a string, not {}", type_name(value)))
    };
    match name {
        "class" => props.class = Some(text()?),
        "redirectUrl" => props.redirect_url = Some(text()?),
        "signUpUrl" => props.sign_up_url = Some(text()?),
        "signInUrl" => props.sign_in_url = Some(text()?),
        "userProfileUrl" => props.user_profile_url = Some(text()?),
        "afterSignOutUrl" => props.after_sign_out_url = Some(text()?),
        "frontendApi" => props.frontend_api = Some(text()?),
        "locale" => props.locale = Some(parse_locale(&text()?)?),
        "showName" | "sessionCookie" => {
            let flag = value
                .as_bool()
                .ok_or_else(|| format!("must be true or false, not {}", type_name(value)))?;
            if name == "showName" {
                props.show_name = flag;
            } else {
                props.session_cookie = Some(flag);
            }
        }
        "appearance" => props.appearance = Some(read_appearance(value)?),
        _ => return Err("is not read by this version".to_owned()),
    }
    Ok(())
}

/// `{ theme: "dark", variables: { "color-primary": "#6554c0" } }`.
fn read_appearance(value: &JsValue) -> Result<Appearance, String> {
    let object = value
        .dyn_ref::<Object>()
        .filter(|_| value.is_object())
        .ok_or_else(|| format!("must be an object, not {}", type_name(value)))?;
    let mut appearance = Appearance::new();
    for key in Object::keys(object).iter().filter_map(|k| k.as_string()) {
        let field = Reflect::get(value, &JsValue::from_str(&key)).unwrap_or(JsValue::UNDEFINED);
        match key.as_str() {
            "theme" => {
                let theme = field.as_string().unwrap_or_default();
                appearance.theme = parse_theme(&theme)?;
            }
            "variables" => {
                let Some(variables) = field.dyn_ref::<Object>().filter(|_| field.is_object())
                else {
                    return Err("has \"variables\" that is not an object".to_owned());
                };
                for name in Object::keys(variables).iter().filter_map(|k| k.as_string()) {
                    let v = Reflect::get(&field, &JsValue::from_str(&name))
                        .ok()
                        .and_then(|v| v.as_string())
                        .ok_or_else(|| format!("has variable \"{name}\" that is not a string"))?;
                    appearance = appearance.variable(name, v);
                }
            }
            other => {
                return Err(format!(
                    "has unknown key \"{other}\" (known: theme, variables)"
                ));
            }
        }
    }
    Ok(appearance)
}

/// The console sentence for a prop name the component does not take.
pub(crate) fn unknown_prop(call: &str, name: &str, known: &[&str]) -> String {
    format!(
        "vestibule: {call}: unknown prop \"{name}\" (known: {})",
        known.join(", ")
    )
}

/// `"en"` or `"de"`, with or without a region (`"de-AT"`), in any case.
pub(crate) fn parse_locale(tag: &str) -> Result<Locale, String> {
    let language = tag.split(['-', '_']).next().unwrap_or_default();
    match language.to_ascii_lowercase().as_str() {
        "en" => Ok(Locale::En),
        "de" => Ok(Locale::De),
        _ => Err(format!("must be \"en\" or \"de\", not \"{tag}\"")),
    }
}

/// `"auto"`, `"light"` or `"dark"`.
pub(crate) fn parse_theme(name: &str) -> Result<Theme, String> {
    match name {
        "auto" => Ok(Theme::Auto),
        "light" => Ok(Theme::Light),
        "dark" => Ok(Theme::Dark),
        _ => Err(format!("has theme \"{name}\" (known: auto, light, dark)")),
    }
}

/// JavaScript's name for the type of `value`, for the console sentences.
fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else if js_sys::Array::is_array(value) {
        "an array".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_prop_names_the_call_and_every_known_prop() {
        assert_eq!(
            unknown_prop("mountSignIn", "foo", SIGN_IN),
            "vestibule: mountSignIn: unknown prop \"foo\" \
             (known: class, redirectUrl, signUpUrl, appearance, locale)"
        );
    }

    #[test]
    fn locales_are_read_by_their_language() {
        assert_eq!(parse_locale("de"), Ok(Locale::De));
        assert_eq!(parse_locale("DE-at"), Ok(Locale::De));
        assert_eq!(parse_locale("en_GB"), Ok(Locale::En));
        assert_eq!(
            parse_locale("fr"),
            Err("must be \"en\" or \"de\", not \"fr\"".to_owned())
        );
    }

    #[test]
    fn themes_are_the_three_the_components_know() {
        assert_eq!(parse_theme("dark"), Ok(Theme::Dark));
        assert!(parse_theme("Dark").is_err());
    }
}
