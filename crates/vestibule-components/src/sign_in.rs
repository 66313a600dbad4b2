//! `<SignIn/>`, `<SignUp/>` and `<SignInButton/>`: the cards and the button that start an
//! OAuth flow with a provider.

use leptos::prelude::*;
use vestibule_core::api::{InstanceEnvironment, OAuthIntent, PublicConnection};
use vestibule_core::{ErrorCode, ProviderId};

use crate::alert::error_banner;
use crate::appearance::Appearance;
use crate::context::{Vestibule, use_vestibule_for, use_vestibule_or_standalone_leaf};
use crate::i18n::{Locale, Messages, fill};
use crate::icons::ProviderLogo;
use crate::root::Root;
use crate::{link, page};

/// The sign-in card: the app's name, one "Continue with …" button per enabled connection,
/// the error of a failed attempt (`?error=<code>`), and a link to sign up.
///
/// A visitor who is already signed in is sent on to `redirect_url` instead.
///
/// ```ignore
/// view! { <SignIn redirect_url="/dashboard" sign_up_url="/sign-up"/> }
/// ```
#[component]
pub fn SignIn(
    /// Extra classes on the card's root element.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Where to go once signed in. Defaults to the page's `?redirect_url=` (if on this
    /// origin), then the instance's `after_sign_in_url`, then `/`.
    #[prop(optional, into)]
    redirect_url: MaybeProp<String>,
    /// Where "Sign up" leads. Defaults to the Account Portal's sign-up page.
    #[prop(optional, into)]
    sign_up_url: MaybeProp<String>,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
    /// Connections to offer instead of those the environment lists.
    #[prop(optional, into)]
    connections: MaybeProp<Vec<PublicConnection>>,
) -> impl IntoView {
    view! {
        <AuthCard
            intent=OAuthIntent::SignIn
            class
            redirect_url
            other_url=sign_up_url
            appearance
            locale
            connections
        />
    }
}

/// The sign-up card: like [`SignIn`], with the sign-up intent and a link to sign in.
#[component]
pub fn SignUp(
    /// Extra classes on the card's root element.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Where to go once signed up. Defaults as for [`SignIn`].
    #[prop(optional, into)]
    redirect_url: MaybeProp<String>,
    /// Where "Sign in" leads. Defaults to the Account Portal's sign-in page.
    #[prop(optional, into)]
    sign_in_url: MaybeProp<String>,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
    /// Connections to offer instead of those the environment lists.
    #[prop(optional, into)]
    connections: MaybeProp<Vec<PublicConnection>>,
) -> impl IntoView {
    view! {
        <AuthCard
            intent=OAuthIntent::SignUp
            class
            redirect_url
            other_url=sign_in_url
            appearance
            locale
            connections
        />
    }
}

/// What a card shows, derived in one place so the card renders from one reactive closure
/// (each closure is code in the wasm module; a sign-in page must stay small).
#[derive(Clone, PartialEq)]
struct CardState {
    locale: Locale,
    app_name: String,
    is_dev: bool,
    phase: Phase,
    failed: Option<(Option<ErrorCode>, Option<String>)>,
    other_href: String,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Loading,
    LoadFailed,
    /// Signed in already: on the way to the redirect URL.
    Redirecting,
    /// One button per connection: the provider and its name.
    Ready(Vec<(ProviderId, String)>),
}

/// What the parts of a card share: which card it is and the signals its buttons need.
#[derive(Clone, Copy)]
struct Card {
    intent: OAuthIntent,
    vst: Vestibule,
    redirect: Signal<String>,
    locale: Signal<Locale>,
    failed: RwSignal<Option<(Option<ErrorCode>, Option<String>)>>,
}

impl Card {
    /// The BEM block and test-id prefix of this card, and of the other one.
    fn blocks(self) -> (&'static str, &'static str) {
        match self.intent {
            OAuthIntent::SignUp => ("sign-up", "sign-in"),
            _ => ("sign-in", "sign-up"),
        }
    }
}

#[component]
fn AuthCard(
    intent: OAuthIntent,
    class: MaybeProp<String>,
    redirect_url: MaybeProp<String>,
    /// The other card's page: sign-up from sign-in and back.
    other_url: MaybeProp<String>,
    appearance: MaybeProp<Appearance>,
    locale: MaybeProp<Locale>,
    connections: MaybeProp<Vec<PublicConnection>>,
) -> impl IntoView {
    let (vst, locale, appearance) = use_vestibule_for(locale, appearance);
    let card = Card {
        intent,
        vst,
        redirect: redirect_target(vst, redirect_url),
        locale,
        failed: RwSignal::new(page::query_param("error").map(|raw| {
            (
                ErrorCode::parse(&raw),
                page::query_param("ref").or_else(|| page::query_param("reference")),
            )
        })),
    };
    let state = Memo::new(move |_| {
        let env = vst.environment.get();
        let phase = if vst.is_signed_in.get() {
            Phase::Redirecting
        } else {
            match connections
                .get()
                .or_else(|| env.as_ref().map(|e| e.connections.clone()))
            {
                Some(list) if vst.is_loaded.get() => Phase::Ready(
                    list.into_iter()
                        .map(|c| (c.provider, c.display_name))
                        .collect(),
                ),
                None if vst.environment_error.with(Option::is_some) => Phase::LoadFailed,
                _ => Phase::Loading,
            }
        };
        CardState {
            locale: locale.get(),
            app_name: env
                .as_ref()
                .map(|e| e.application_name.clone())
                .unwrap_or_default(),
            is_dev: env
                .as_ref()
                .is_some_and(|e| e.environment == InstanceEnvironment::Development),
            phase,
            failed: card.failed.get(),
            other_href: other_card_href(intent, other_url.get(), env.as_ref()),
        }
    });

    // A visitor who is signed in already has nothing to do here.
    Effect::new(move |_| {
        if vst.is_signed_in.get() {
            vst.navigate(&card.redirect.get());
        }
    });

    let block = card.blocks().0;
    view! {
        <Root block class appearance locale>
            {move || card_view(card, state.get())}
        </Root>
    }
}

/// The whole card for one state: header, the error of a failed attempt, body, footer.
fn card_view(card: Card, s: CardState) -> impl IntoView {
    let t = s.locale.messages();
    let (block, other_block) = card.blocks();
    let (title, subtitle, switch_text, switch_link, action) = match card.intent {
        OAuthIntent::SignUp => (
            t.sign_up_title,
            t.sign_up_subtitle,
            t.have_account,
            t.sign_in_link,
            t.sign_up_link,
        ),
        _ => (
            t.sign_in_title,
            t.sign_in_subtitle,
            t.no_account,
            t.sign_up_link,
            t.sign_in_link,
        ),
    };
    // Before the environment loads: the action without the name.
    let title = if s.app_name.is_empty() {
        action.to_owned()
    } else {
        fill(title, &[("app", &s.app_name)])
    };
    let failed = card.failed;
    let banner = s.failed.map(|(code, reference)| {
        error_banner(
            t,
            code,
            reference.as_deref(),
            format!("{block}-error"),
            Some(Callback::new(move |_| failed.set(None))),
        )
    });
    view! {
        <div class="vst-card">
            <header class="vst-card__header">
                <h1 class="vst-card__title" data-testid=format!("{block}-title")>{title}</h1>
                <p class="vst-card__subtitle">{subtitle}</p>
            </header>
            {banner}
            {card_body(card, t, s.phase)}
            <footer class="vst-card__footer">
                <p class="vst-card__switch">
                    {switch_text} " "
                    <a class="vst-link" href=s.other_href data-testid=format!("{block}-{other_block}-link")>
                        {switch_link}
                    </a>
                </p>
                <p class="vst-card__brand">
                    {t.secured_by}
                    {s.is_dev.then(|| view! {
                        <span class="vst-badge vst-badge--warning" data-testid=format!("{block}-dev-badge")>
                            {t.development_mode}
                        </span>
                    })}
                </p>
            </footer>
        </div>
    }
}

/// The middle of the card: the buttons, or why there are none yet.
fn card_body(card: Card, t: &'static Messages, phase: Phase) -> AnyView {
    let block = card.blocks().0;
    let vst = card.vst;
    match phase {
        Phase::Redirecting => view! {
            <p class="vst-card__status" role="status" data-testid=format!("{block}-redirecting")>
                <span class="vst-spinner" aria-hidden="true"></span>
                {t.redirecting}
            </p>
        }
        .into_any(),
        Phase::LoadFailed => view! {
            <div class="vst-alert vst-alert--error" role="alert" data-testid=format!("{block}-load-error")>
                <p class="vst-alert__text">{t.environment_failed}</p>
                <button
                    type="button"
                    class="vst-button vst-button--secondary vst-button--small"
                    data-testid=format!("{block}-retry")
                    on:click=move |_| vst.reload_environment()
                >
                    {t.retry}
                </button>
            </div>
        }
        .into_any(),
        Phase::Ready(list) if list.is_empty() => view! {
            <p class="vst-card__empty" data-testid=format!("{block}-empty")>
                {t.no_connections}
            </p>
        }
        .into_any(),
        Phase::Ready(list) => view! {
            <div class="vst-card__providers">
                {list
                    .into_iter()
                    .map(|(provider, display_name)| view! {
                        <ProviderButton
                            provider
                            display_name
                            intent=card.intent
                            redirect=card.redirect
                            locale=card.locale
                        />
                    })
                    .collect_view()}
            </div>
        }
        .into_any(),
        Phase::Loading => view! {
            <div class="vst-card__status" role="status" aria-busy="true" data-testid=format!("{block}-loading")>
                <span class="vst-spinner" aria-hidden="true"></span>
                {t.loading}
            </div>
        }
        .into_any(),
    }
}

/// The link to the other card: the prop, else the portal's page, else `/sign-in` or
/// `/sign-up`; an explicit `?redirect_url=` is carried over so the destination is kept.
fn other_card_href(
    intent: OAuthIntent,
    prop: Option<String>,
    env: Option<&vestibule_core::api::Environment>,
) -> String {
    let base = prop.unwrap_or_else(|| match (intent, env) {
        (OAuthIntent::SignUp, Some(e)) => e.portal.sign_in_url.clone(),
        (_, Some(e)) => e.portal.sign_up_url.clone(),
        (OAuthIntent::SignUp, None) => "/sign-in".to_owned(),
        (_, None) => "/sign-up".to_owned(),
    });
    match page::query_param("redirect_url") {
        Some(r) if !base.contains('?') => {
            format!("{base}?redirect_url={}", crate::api::encode_component(&r))
        }
        _ => base,
    }
}

/// Where a card sends the visitor after signing in: the prop, else a safe `?redirect_url=`,
/// else the instance's `after_sign_in_url`, else the page origin's `/`.
pub(crate) fn redirect_target(vst: Vestibule, prop: MaybeProp<String>) -> Signal<String> {
    Signal::derive(move || {
        let origin = page::origin();
        if let Some(url) = prop.get() {
            return page::safe_redirect(&url, &origin, &[&url]).unwrap_or(url);
        }
        let after = vst
            .environment
            .with(|e| e.as_ref().map(|e| e.portal.after_sign_in_url.clone()));
        let trusted: Vec<&str> = after.iter().map(String::as_str).collect();
        page::query_param("redirect_url")
            .and_then(|r| page::safe_redirect(&r, &origin, &trusted))
            .or(after)
            .unwrap_or_else(|| format!("{origin}/"))
    })
}

/// One provider's button, in a card or alone ([`SignInButton`]). An `<a>`, so it works as
/// a link too (open in a new tab, copy address); a plain click shows a spinner and leaves
/// through the provider's `navigate`.
#[component]
fn ProviderButton(
    provider: ProviderId,
    display_name: String,
    intent: OAuthIntent,
    redirect: Signal<String>,
    locale: Signal<Locale>,
) -> impl IntoView {
    let vst = use_vestibule_or_standalone_leaf();
    let href = Signal::derive(move || vst.api().oauth_start_url(provider, intent, &redirect.get()));
    let leaving = RwSignal::new(false);
    // Coming back with the Back button restores the page from the bfcache as it was left.
    let listener = window_event_listener(leptos::ev::pageshow, move |_| leaving.set(false));
    on_cleanup(move || listener.remove());
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if link::is_plain_click(&ev) {
            ev.prevent_default();
            if !leaving.get_untracked() {
                leaving.set(true);
                vst.navigate(&href.get_untracked());
            }
        }
    };
    let label = move || {
        let t = locale.get().messages();
        let template = match intent {
            OAuthIntent::Connect => t.connect_with,
            _ => t.continue_with,
        };
        fill(template, &[("provider", &display_name)])
    };
    view! {
        <a
            class="vst-button vst-button--social"
            class:vst-button--busy=move || leaving.get()
            href=href
            aria-busy=move || leaving.get().then_some("true")
            data-testid=format!("{}-button-{}", intent_slug(intent), provider.as_str())
            data-provider=provider.as_str()
            on:click=on_click
        >
            {move || {
                if leaving.get() {
                    view! { <span class="vst-spinner" aria-hidden="true"></span> }.into_any()
                } else {
                    view! { <ProviderLogo provider/> }.into_any()
                }
            }}
            <span class="vst-button__label">{label}</span>
        </a>
    }
}

fn intent_slug(intent: OAuthIntent) -> &'static str {
    match intent {
        OAuthIntent::SignIn => "sign-in",
        OAuthIntent::SignUp => "sign-up",
        OAuthIntent::Connect => "connect",
    }
}

/// One "Continue with …" button, for apps that draw their own sign-in page.
///
/// ```ignore
/// view! { <SignInButton provider=ProviderId::Atlassian redirect_url="/projects"/> }
/// ```
#[component]
pub fn SignInButton(
    /// Extra classes on the button's wrapper.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// The provider to sign in with.
    #[prop(optional)]
    provider: Option<ProviderId>,
    /// Sign in (default), sign up, or connect another account to the signed-in user.
    #[prop(optional)]
    intent: Option<OAuthIntent>,
    /// Where to go afterwards. Defaults as for [`SignIn`].
    #[prop(optional, into)]
    redirect_url: MaybeProp<String>,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
) -> impl IntoView {
    let (vst, locale, appearance) = use_vestibule_for(locale, appearance);
    let provider = provider.unwrap_or(ProviderId::Atlassian);
    let intent = intent.unwrap_or(OAuthIntent::SignIn);
    let redirect = redirect_target(vst, redirect_url);
    let display_name = provider.info().display_name.to_owned();
    view! {
        <Root block="sign-in-button" class appearance locale testid="sign-in-button">
            <ProviderButton provider display_name intent redirect locale/>
        </Root>
    }
}
