//! Keyboard focus inside a dialog or menu that opens over the page: what Tab can reach in
//! it, focusing its first control once it shows, moving between controls, keeping Tab
//! inside, and giving focus back to whatever had it before.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What Tab can reach, in document order (disabled controls are skipped).
const FOCUSABLE: &str = "a[href],button:not([disabled]),input:not([disabled]),\
                         select:not([disabled]),textarea:not([disabled]),\
                         [tabindex]:not([tabindex='-1'])";

/// Where [`FocusTrap::step`] moves focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    First,
    Last,
    /// The next control, wrapping from the last to the first.
    Next,
    /// The previous control, wrapping from the first to the last.
    Previous,
}

/// Focus handling for one container (the dialog, the menu). `Copy`, so every handler of
/// the component can hold it.
#[derive(Clone, Copy)]
pub(crate) struct FocusTrap {
    container: NodeRef<html::Div>,
    /// Had focus when the trap took it, and gets it back on [`FocusTrap::release`].
    return_to: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
}

/// A trap for the element behind `container` (its `node_ref`).
pub(crate) fn use_focus_trap(container: NodeRef<html::Div>) -> FocusTrap {
    FocusTrap {
        container,
        return_to: StoredValue::new_local(None),
    }
}

fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

impl FocusTrap {
    /// The controls Tab can reach inside the container, in document order.
    pub fn items(self) -> Vec<web_sys::HtmlElement> {
        let Some(root) = self.container.get_untracked() else {
            return Vec::new();
        };
        let Ok(list) = root.query_selector_all(FOCUSABLE) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    }

    /// Remembers what has focus now (the button that opened the container), for
    /// [`FocusTrap::release`].
    pub fn remember_opener(self) {
        let opener = active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        self.return_to.set_value(opener);
    }

    /// Gives focus back to what had it at [`FocusTrap::remember_opener`], so keyboard users
    /// keep their place when the container closes.
    pub fn release(self) {
        if let Some(el) = self.return_to.try_get_value().flatten() {
            let _ = el.focus();
        }
    }

    /// Focuses the first control, once the container's current content is in the document
    /// and shown: effects run before the render effects that insert or unhide it, and a
    /// hidden element cannot take focus, hence the timeout.
    pub fn focus_first_soon(self) {
        set_timeout(move || self.step(Step::First), std::time::Duration::ZERO);
    }

    /// Moves focus among the controls. From outside the container, `Next` goes to the first
    /// and `Previous` to the last.
    pub fn step(self, step: Step) {
        let items = self.items();
        if items.is_empty() {
            return;
        }
        let active = active_element();
        let current = items.iter().position(|i| {
            active
                .as_ref()
                .is_some_and(|a| a == i.unchecked_ref::<web_sys::Element>())
        });
        let last = items.len() - 1;
        let next = match (step, current) {
            (Step::First, _) | (Step::Next, None) => 0,
            (Step::Last, _) | (Step::Previous, None) => last,
            (Step::Next, Some(i)) => {
                if i < last {
                    i + 1
                } else {
                    0
                }
            }
            (Step::Previous, Some(i)) => {
                if i > 0 {
                    i - 1
                } else {
                    last
                }
            }
        };
        let _ = items[next].focus();
    }

    /// Keeps Tab inside the container: Tab on the last control goes to the first, Shift+Tab
    /// on the first to the last, and either from outside comes back in. Elsewhere the
    /// browser moves focus as usual.
    pub fn keep_tab_inside(self, ev: &KeyboardEvent) {
        if ev.key() != "Tab" {
            return;
        }
        let items = self.items();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let active = active_element();
        let is = |el: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
        };
        let inside = match (self.container.get_untracked(), active.as_ref()) {
            (Some(root), Some(a)) => root.contains(Some(a)),
            _ => false,
        };
        if ev.shift_key() && (is(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (is(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}
