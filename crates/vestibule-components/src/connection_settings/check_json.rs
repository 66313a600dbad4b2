//! Reads the doctor's answers (already parsed by the browser) into vestibule-core's types,
//! the same lean way as `crate::json` does for the other answers. A step whose step id or
//! code this version does not know is left out rather than failing the whole checklist.

use js_sys::{Array, Reflect};
use vestibule_core::connection_check::{
    CheckCode, CheckOutcome, CheckStep, CheckStepResult, ConnectionCheck, GuideStep,
    LastConnectionCheck,
};
use wasm_bindgen::JsValue;

use crate::json::FromJson;

fn get(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn string(value: &JsValue, name: &str) -> Option<String> {
    get(value, name).as_string()
}

impl FromJson for CheckStepResult {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            step: CheckStep::parse(&string(v, "step")?)?,
            outcome: CheckOutcome::parse(&string(v, "outcome")?)?,
            code: CheckCode::parse(&string(v, "code")?)?,
            message: string(v, "message").unwrap_or_default(),
            fix: string(v, "fix"),
            guide_step: string(v, "guide_step").and_then(|g| GuideStep::parse(&g)),
            detail: string(v, "detail"),
        })
    }
}

impl FromJson for ConnectionCheck {
    fn from_json(v: &JsValue) -> Option<Self> {
        let steps = get(v, "steps");
        if !Array::is_array(&steps) {
            return None;
        }
        Some(Self {
            connection_id: string(v, "connection_id"),
            checked_at: get(v, "checked_at").as_f64()? as i64,
            outcome: CheckOutcome::parse(&string(v, "outcome")?)?,
            steps: Array::from(&steps)
                .iter()
                .filter_map(|s| CheckStepResult::from_json(&s))
                .collect(),
        })
    }
}

impl FromJson for LastConnectionCheck {
    fn from_json(v: &JsValue) -> Option<Self> {
        let last = get(v, "last_check");
        Some(Self {
            last_check: if last.is_null() || last.is_undefined() {
                None
            } else {
                Some(ConnectionCheck::from_json(&last)?)
            },
        })
    }
}
