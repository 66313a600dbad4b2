//! The shared state of every component: the instance's environment, who is signed in, the
//! language and the look. [`VestibuleProvider`] loads it once; [`use_vestibule`] reads it.

use leptos::prelude::*;
use vestibule_core::api::{ClientState, Environment, SessionInfo, User};

use crate::api::{FrontendApi, RequestError};
use crate::appearance::Appearance;
use crate::i18n::{Locale, Localization, Messages};
use crate::json::FromJson;
use crate::loaded::LoadPath;
pub use crate::loaded::Loaded;
use crate::session_token::{SessionTokens, TokenError};

/// What [`use_vestibule`] returns: signals over the environment and the client, plus the
/// actions that change them. `Copy`, so it moves into closures freely.
#[derive(Clone, Copy)]
pub struct Vestibule {
    api: StoredValue<FrontendApi>,
    environment_resource: Loaded<Environment>,
    client_resource: Loaded<ClientState>,
    navigate: StoredValue<Option<Callback<String>>>,
    /// The instance's public settings (`GET /v1/environment`); `None` while loading or failed.
    pub environment: Signal<Option<Environment>>,
    /// Why the environment could not be loaded, if it could not.
    pub environment_error: Signal<Option<RequestError>>,
    /// The current session; `None` while loading and when signed out.
    pub session: Signal<Option<SessionInfo>>,
    /// The signed-in user; `None` while loading and when signed out.
    pub user: Signal<Option<User>>,
    /// False until `GET /v1/client` has answered (or failed).
    pub is_loaded: Signal<bool>,
    /// True once the client is loaded and has a session.
    pub is_signed_in: Signal<bool>,
    /// The language of every component under the provider.
    pub locale: Signal<Locale>,
    /// The look of every component under the provider.
    pub appearance: Signal<Appearance>,
    signing_out: RwSignal<bool>,
    localization: StoredValue<Localization>,
    tokens: StoredValue<SessionTokens, LocalStorage>,
}

impl Vestibule {
    /// Creates the state and starts loading; [`VestibuleProvider`] calls this for you.
    pub fn new(
        api: FrontendApi,
        locale: Signal<Locale>,
        appearance: Signal<Appearance>,
        navigate: Option<Callback<String>>,
    ) -> Self {
        let this = Self::loading(api, locale, appearance, navigate, SessionTokens::new());
        watch_session_for_tokens(this.tokens, this.api, this.is_loaded, this.session);
        this
    }

    /// The state without the session-token watchers: what a component that renders no
    /// children makes when no provider is above it. Nothing outside that component sees
    /// this state, so nobody can ask it for a token, and it keeps no cookie (the provider's
    /// `session_cookie` is off without a provider); leaving the watchers out keeps the
    /// token code off a page that has only `<SignIn/>`.
    fn without_tokens(api: FrontendApi) -> Self {
        Self::loading(
            api,
            Signal::derive(Locale::default),
            Signal::derive(Appearance::default),
            None,
            SessionTokens::default(),
        )
    }

    fn loading(
        api: FrontendApi,
        locale: Signal<Locale>,
        appearance: Signal<Appearance>,
        navigate: Option<Callback<String>>,
        tokens: SessionTokens,
    ) -> Self {
        let api = StoredValue::new(api);
        let environment_resource =
            Loaded::<Environment>::new(api, LoadPath::Fixed("/v1/environment"));
        let client_resource = Loaded::<ClientState>::new(api, LoadPath::Fixed("/v1/client"));
        // Each signal clones only the part it hands out, never the whole answer.
        let environment = Signal::derive(move || {
            environment_resource.with(|r| r.and_then(|r| r.as_ref().ok()).cloned())
        });
        let environment_error = Signal::derive(move || {
            environment_resource.with(|r| r.and_then(|r| r.as_ref().err()).cloned())
        });
        let session = Signal::derive(move || {
            client_resource.with(|r| r.and_then(|r| r.as_ref().ok()?.session.clone()))
        });
        let user = Signal::derive(move || {
            client_resource.with(|r| r.and_then(|r| r.as_ref().ok()?.user.clone()))
        });
        let is_loaded = Signal::derive(move || client_resource.with(|r| r.is_some()));
        let is_signed_in = Signal::derive(move || session.with(Option::is_some));
        Self {
            api,
            environment_resource,
            client_resource,
            navigate: StoredValue::new(navigate),
            environment,
            environment_error,
            session,
            user,
            is_loaded,
            is_signed_in,
            locale,
            appearance,
            signing_out: RwSignal::new(false),
            localization: StoredValue::new(Localization::default()),
            tokens: StoredValue::new_local(tokens),
        }
    }

    /// A session token for the app's own backend (`Authorization: Bearer <token>`): a
    /// short-lived JWT naming the user, the session and this page's origin.
    ///
    /// Cached until 10 s before it expires and refreshed in the background; however many
    /// callers ask at once, one request is on its way. Waits for the client to load, so it
    /// can be called as the page starts. `Err(TokenError::SignedOut)` when nobody is signed
    /// in or the session ends meanwhile.
    ///
    /// ```ignore
    /// let vst = use_vestibule();
    /// let token = vst.get_token().await?;
    /// // fetch("/api/my-issues", { headers: { Authorization: `Bearer ${token}` } })
    /// ```
    pub async fn get_token(&self) -> Result<String, TokenError> {
        let tokens = self.tokens.try_get_value().ok_or(TokenError::SignedOut)?;
        tokens.ready().await;
        if self.signing_out.try_get_untracked().unwrap_or(true) {
            // The session is ending: no new token, even before the client has reloaded.
            return Err(TokenError::SignedOut);
        }
        let session_id = self
            .session
            .try_get_untracked()
            .flatten()
            .map(|s| s.id)
            .ok_or(TokenError::SignedOut)?;
        let result = tokens.get(&self.api(), session_id).await;
        if let Err(TokenError::Request(RequestError::Api { status: 401, .. })) = &result {
            // The server says the session is over (revoked elsewhere, expired): show it.
            self.reload_client();
        }
        result
    }

    /// Keeps a `__session` cookie with the current token on the page's own origin, so
    /// that the app's backend gets it on plain page loads and form posts. What
    /// [`VestibuleProvider`]'s `session_cookie` turns on; public for a host that makes the
    /// state with [`Vestibule::new`] itself (the script bundle, `vestibule-js`).
    pub fn keep_session_cookie(&self) {
        if let Some(tokens) = self.tokens.try_get_value() {
            tokens.keep_cookie();
        }
    }

    /// Loads `GET path` (such as `/v1/me/sessions`) from this frontend API now, and again on
    /// `refetch()`; see [`Loaded`]. The answer is read with `T`'s [`FromJson`].
    pub fn load<T: FromJson + Clone + 'static>(&self, path: impl Into<String>) -> Loaded<T> {
        Loaded::new(self.api, LoadPath::Owned(StoredValue::new(path.into())))
    }

    /// The app's languages and changed sentences, as given to the provider.
    pub fn localization(&self) -> Localization {
        self.localization.get_value()
    }

    /// The frontend API the components talk to.
    pub fn api(&self) -> FrontendApi {
        self.api.get_value()
    }

    /// The sentences of the current language.
    pub fn messages(&self) -> &'static Messages {
        self.locale.get().messages()
    }

    /// Ends the session (`POST /v1/sign_out`), reloads the client, then leaves for
    /// `then_url` if one is given.
    ///
    /// A plain task rather than an `Action`: the sign-in card creates this state too, and
    /// every reactive type costs bytes on a page that must stay small.
    pub fn sign_out(&self, then_url: Option<String>) {
        if self.signing_out.get_untracked() {
            return;
        }
        self.signing_out.set(true);
        // The token of the ending session is never handed out again, whatever the answer.
        if let Some(tokens) = self.tokens.try_get_value() {
            tokens.clear();
        }
        let this = *self;
        leptos::task::spawn_local(async move {
            // Whatever the answer, the session is over as far as this page can tell; a
            // failed call leaves the cookie, and reloading the client shows the truth.
            let _ = this.api().send_empty("POST", "/v1/sign_out").await;
            this.client_resource
                .refetch_then(Some(Box::new(move || match then_url {
                    // Leaving: stay "signing out", so a page watching for "signed out" (the
                    // portal's /user) does not send the visitor somewhere else meanwhile. The
                    // next sign-in is an OAuth redirect, a fresh page, so nothing stays stuck.
                    Some(url) => this.navigate(&url),
                    None => {
                        this.signing_out.try_set(false);
                    }
                })));
        });
    }

    /// True while a sign-out is on its way.
    pub fn signing_out(&self) -> Signal<bool> {
        self.signing_out.into()
    }

    /// Loads `GET /v1/client` again, after something changed the user.
    pub fn reload_client(&self) {
        self.client_resource.refetch();
    }

    /// Lets the state's signals drop what components unmounted since left in them.
    ///
    /// Leptos' reactive graph (0.8) does not take a dropped effect out of the signals it
    /// read; the dead entry, and the effect's allocation with it, stays until the page
    /// ends. A page that mounts and unmounts components into one long-lived state (the
    /// script bundle, `vestibule-js`) calls this after an unmount: each signal marks its
    /// subscribers dirty, then forgets them all; the live ones re-run and subscribe again
    /// (finding nothing changed), the dead ones are gone.
    pub fn forget_unmounted(&self) {
        forget_subscribers(self.environment_resource.value);
        forget_subscribers(self.client_resource.value);
        forget_subscribers(self.signing_out);
    }

    /// Loads `GET /v1/environment` again, after it failed or the admin changed it.
    pub fn reload_environment(&self) {
        self.environment_resource.refetch();
    }

    /// Leaves the page for `url`: through the provider's `navigate` callback when one is
    /// set (a client-side router, a test), otherwise by `window.location.assign`.
    pub fn navigate(&self, url: &str) {
        match self.navigate.get_value() {
            Some(navigate) => navigate.run(url.to_owned()),
            None => {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign(url);
                }
            }
        }
    }
}

/// See [`Vestibule::forget_unmounted`]: notify first, so the live subscribers run again
/// and subscribe anew, then empty the set that holds the dead ones too.
pub fn forget_subscribers(signal: impl Notify + leptos::reactive::graph::Source) {
    signal.notify();
    signal.clear_subscribers();
}

/// Loads the environment and the client for every Vestibule component inside it.
///
/// ```ignore
/// view! {
///     <VestibuleProvider frontend_api="https://auth.example.com" locale=Locale::De>
///         <SignedOut><SignIn/></SignedOut>
///         <SignedIn><UserButton/></SignedIn>
///     </VestibuleProvider>
/// }
/// ```
///
/// Components rendered without a provider make their own (talking to the page's origin),
/// so one `<SignIn/>` works alone; use the provider when several components share a page,
/// so that they load the client once and agree on it.
#[component]
pub fn VestibuleProvider(
    /// The Vestibule server: `""` (the default) for the page's own origin, or an absolute URL.
    #[prop(optional, into)]
    frontend_api: String,
    /// The language of every component inside; English by default.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
    /// The look of every component inside: theme and `--vst-*` variables.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// How to leave the page for a URL (OAuth start, redirect after sign-in). Defaults to
    /// `window.location.assign`; pass a router's navigate for same-origin paths.
    #[prop(optional, into)]
    navigate: Option<Callback<String>>,
    /// The app's own sentences: languages it adds, built-in sentences it changes.
    #[prop(optional)]
    localization: Localization,
    /// Keep a `__session` cookie with the current session token on the page's own origin
    /// (as the app's backend reads it on page loads and form posts). On by default when
    /// `frontend_api` is set (the app has its own backend); off for the Vestibule server's
    /// own pages.
    #[prop(optional)]
    session_cookie: Option<bool>,
    children: Children,
) -> impl IntoView {
    let resolver = localization.clone();
    let session_cookie = session_cookie.unwrap_or(!frontend_api.is_empty());
    let vestibule = Vestibule::new(
        FrontendApi::new(frontend_api),
        Signal::derive(move || resolver.resolve(locale.get().unwrap_or_default())),
        Signal::derive(move || appearance.get().unwrap_or_default()),
        navigate,
    );
    vestibule.localization.set_value(localization);
    if session_cookie {
        vestibule.keep_session_cookie();
    }
    provide_context(vestibule);
    children()
}

/// Lets token callers go on once the client has loaded, and forgets the token of a
/// session that ended or changed.
fn watch_session_for_tokens(
    tokens: StoredValue<SessionTokens, LocalStorage>,
    api: StoredValue<FrontendApi>,
    is_loaded: Signal<bool>,
    session: Signal<Option<SessionInfo>>,
) {
    Effect::new(move |_| {
        if is_loaded.get()
            && let Some(tokens) = tokens.try_get_value()
        {
            tokens.mark_ready();
        }
    });
    Effect::new(move |_| {
        let session_id = session.with(|s| s.as_ref().map(|s| s.id.clone()));
        if let (Some(tokens), Some(api)) = (tokens.try_get_value(), api.try_get_value()) {
            tokens.session_changed(session_id, &api);
        }
    });
}

/// The [`Vestibule`] state given by the nearest [`VestibuleProvider`].
///
/// # Panics
/// When no provider is above the calling component; the message says how to add one.
pub fn use_vestibule() -> Vestibule {
    use_context::<Vestibule>().expect(
        "use_vestibule() found no Vestibule context: render this component inside \
         <VestibuleProvider frontend_api=\"...\"> ... </VestibuleProvider>",
    )
}

/// The provider's state, or a new one for the page's origin when a drop-in component is
/// rendered alone (its children, such as a `use_vestibule().get_token()` caller, share it).
pub(crate) fn use_vestibule_or_standalone() -> Vestibule {
    use_context::<Vestibule>().unwrap_or_else(|| {
        let vestibule = Vestibule::new(
            FrontendApi::default(),
            Signal::derive(Locale::default),
            Signal::derive(Appearance::default),
            None,
        );
        provide_context(vestibule);
        vestibule
    })
}

/// The provider's state, or, for a component that renders no children of the app's, a new
/// one for the page's origin without the session-token watchers
/// ([`Vestibule::without_tokens`]).
pub(crate) fn use_vestibule_or_standalone_leaf() -> Vestibule {
    use_context::<Vestibule>().unwrap_or_else(|| {
        let vestibule = Vestibule::without_tokens(FrontendApi::default());
        provide_context(vestibule);
        vestibule
    })
}

/// What a top-level component starts from: the provider's state (or a standalone one, see
/// [`use_vestibule_or_standalone_leaf`]), and its own `locale` and `appearance` props, each
/// falling back to the provider's.
pub(crate) fn use_vestibule_for(
    locale: MaybeProp<Locale>,
    appearance: MaybeProp<Appearance>,
) -> (Vestibule, Signal<Locale>, Signal<Appearance>) {
    let vestibule = use_vestibule_or_standalone_leaf();
    // A component's own `locale` gets the app's version of that language too.
    let locale = Signal::derive(move || match locale.get() {
        Some(own) => vestibule.localization.with_value(|l| l.resolve(own)),
        None => vestibule.locale.get(),
    });
    let appearance = Signal::derive(move || {
        appearance
            .get()
            .unwrap_or_else(|| vestibule.appearance.get())
    });
    (vestibule, locale, appearance)
}

#[cfg(test)]
mod tests {
    #[test]
    #[should_panic(expected = "render this component inside <VestibuleProvider")]
    fn use_vestibule_without_a_provider_says_what_to_do() {
        let _ = super::use_vestibule();
    }
}
