//! The element every top-level component renders first: it mounts the stylesheet and
//! carries the theme class, the `--vst-*` overrides and the `lang` attribute.

use leptos::prelude::*;

use crate::appearance::Appearance;
use crate::i18n::Locale;

#[component]
pub(crate) fn Root(
    /// The BEM block, such as `sign-in`.
    block: &'static str,
    class: MaybeProp<String>,
    appearance: Signal<Appearance>,
    locale: Signal<Locale>,
    #[prop(optional)] testid: &'static str,
    children: Children,
) -> impl IntoView {
    crate::style::mount(crate::style::BASE);
    let class = move || {
        let theme = appearance.with(|a| a.theme.as_str());
        match class.get() {
            Some(extra) => format!("vst-root vst-theme--{theme} vst-{block} {extra}"),
            None => format!("vst-root vst-theme--{theme} vst-{block}"),
        }
    };
    let testid = if testid.is_empty() { block } else { testid };
    view! {
        <div
            class=class
            style=move || appearance.with(Appearance::style)
            lang=move || locale.get().tag()
            data-testid=testid
        >
            {children()}
        </div>
    }
}
