//! The stylesheets, put into `<head>` once each by the first component that needs them, so
//! a host app copies no file (the idea of thaw's `mount_style`). Split in three so that a
//! page with only `<SignIn/>` does not carry the profile's or the admin's rules.

/// Custom properties, card, buttons, alerts, badges: what every component uses.
pub(crate) const BASE: (&str, &str) = ("base", include_str!("css/base.css"));
/// Avatar, user menu, profile page sections and lists.
pub(crate) const USER: (&str, &str) = ("user", include_str!("css/user.css"));
/// Form fields, switches, the add-connection dialog.
pub(crate) const ADMIN: (&str, &str) = ("admin", include_str!("css/admin.css"));

/// Adds `<style data-vestibule="{name}">` to `<head>` unless a previous component did.
pub(crate) fn mount((name, css): (&str, &str)) {
    let Some(head) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.head())
    else {
        return;
    };
    if let Ok(Some(_)) = head.query_selector(&format!("style[data-vestibule='{name}']")) {
        return;
    }
    let Some(doc) = head.owner_document() else {
        return;
    };
    if let Ok(style) = doc.create_element("style") {
        let _ = style.set_attribute("data-vestibule", name);
        style.set_text_content(Some(css));
        // Early in <head>, so the host's own stylesheets win over ours at equal specificity;
        // after our base sheet, which the others build on.
        let anchor = head
            .query_selector("style[data-vestibule]")
            .ok()
            .flatten()
            .and_then(|s| s.next_sibling());
        let _ = match anchor {
            Some(anchor) if name != "base" => head.insert_before(&style, Some(&anchor)),
            _ => head
                .prepend_with_node_1(&style)
                .map(|_| style.clone().into()),
        };
    }
}

/// Puts all of Vestibule's stylesheets into `<head>` now, for an app that draws its own
/// markup with the `vst-` classes (the Account Portal's dashboard does). Components mount
/// what they need themselves; calling this is never required for them.
pub fn mount_all() {
    mount(BASE);
    mount(USER);
    mount(ADMIN);
}
