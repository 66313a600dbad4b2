//! Links that stay real links: a plain click leaves through the provider's `navigate` (a
//! router, a test, a "Redirecting…" state first), while a ctrl/cmd/shift/alt or middle
//! click is left to the browser, which opens a new tab or window as the person asked.

use leptos::ev::MouseEvent;

use crate::context::Vestibule;

/// True for a click the page may take over: the main button, no modifier key.
pub(crate) fn is_plain_click(ev: &MouseEvent) -> bool {
    ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
}

/// The click handler of a link to `href`: a plain click navigates through `vst` and
/// returns true; any other click is the browser's and returns false.
pub(crate) fn follow(ev: &MouseEvent, vst: Vestibule, href: &str) -> bool {
    if !is_plain_click(ev) {
        return false;
    }
    ev.prevent_default();
    vst.navigate(href);
    true
}
