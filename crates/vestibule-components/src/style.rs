//! The stylesheet, put into `<head>` once by the first component that renders, so a host
//! app needs to copy no file (the idea of thaw's `mount_style`).

const CSS: &str = include_str!("vestibule.css");

/// Adds `<style data-vestibule>` to `<head>` unless a previous component did.
pub(crate) fn mount() {
    let Some(head) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.head())
    else {
        return;
    };
    if let Ok(Some(_)) = head.query_selector("style[data-vestibule]") {
        return;
    }
    let Some(doc) = head.owner_document() else {
        return;
    };
    if let Ok(style) = doc.create_element("style") {
        let _ = style.set_attribute("data-vestibule", "");
        style.set_text_content(Some(CSS));
        // First in <head>, so the host's own stylesheets win over ours at equal specificity.
        let _ = head.prepend_with_node_1(&style);
    }
}
