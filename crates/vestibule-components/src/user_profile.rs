//! `<UserProfile/>`: the account page: who you are, the Atlassian accounts you connected
//! (with their authorized site), the devices you are signed in on, and signing out.

use leptos::prelude::*;
use vestibule_core::ErrorCode;
use vestibule_core::api::{ExternalAccount, OAuthIntent, SessionInfo, SessionList};

use crate::alert::{error_banner, request_error_alert};
use crate::api::RequestError;
use crate::appearance::Appearance;
use crate::context::{Loaded, Vestibule, use_vestibule_for};
use crate::i18n::{Locale, fill};
use crate::icons::ProviderLogo;
use crate::inline_confirm::InlineConfirm;
use crate::root::Root;
use crate::user_display::{avatar, date, date_time, device, display_name};
use crate::write::Writes;
use crate::{link, page};

/// The signed-in user's account page: profile header, connected accounts (connect
/// another, disconnect with confirmation, reconnect when Atlassian stopped accepting the
/// stored authorization), active devices with sign-out per device, and sign out.
///
/// A failed connect lands on this page with `?error=<code>`; the sentence is shown on top.
#[component]
pub fn UserProfile(
    /// Extra classes on the root element.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Where to go after signing out. Defaults to the Account Portal's sign-in page.
    #[prop(optional, into)]
    after_sign_out_url: MaybeProp<String>,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
) -> impl IntoView {
    let (vst, locale, appearance) = use_vestibule_for(locale, appearance);
    crate::style::mount(crate::style::USER);

    let failed = RwSignal::new(page::query_param("error").map(|raw| {
        (
            ErrorCode::parse(&raw),
            page::query_param("ref").or_else(|| page::query_param("reference")),
        )
    }));
    let sign_in_url = move || {
        vst.environment
            .with(|e| e.as_ref().map(|e| e.portal.sign_in_url.clone()))
            .unwrap_or_else(|| "/sign-in".to_owned())
    };
    let after_sign_out = move || {
        after_sign_out_url
            .get_untracked()
            .unwrap_or_else(sign_in_url)
    };

    view! {
        <Root block="user-profile" class appearance locale>
            {move || {
                let t = locale.get().profile();
                if !vst.is_loaded.get() {
                    return view! {
                        <p class="vst-card__status" role="status" aria-busy="true" data-testid="user-profile-loading">
                            <span class="vst-spinner" aria-hidden="true"></span>
                            {locale.get().messages().loading}
                        </p>
                    }
                    .into_any();
                }
                if !vst.is_signed_in.get() {
                    return view! {
                        <div class="vst-section" data-testid="user-profile-signed-out">
                            <p>{t.not_signed_in}</p>
                            <p>
                                <a class="vst-button vst-button--primary" href=sign_in_url()>
                                    {locale.get().messages().sign_in_link}
                                </a>
                            </p>
                        </div>
                    }
                    .into_any();
                }
                view! {
                    <div class="vst-page">
                        <div>
                            <h1 class="vst-page__title" data-testid="user-profile-title">{t.profile_title}</h1>
                            <p class="vst-page__subtitle">{t.profile_subtitle}</p>
                        </div>
                        <ProfileHeader vst locale/>
                        {move || failed.get().map(|(code, reference)| {
                            error_banner(
                                locale.get().messages(),
                                code,
                                reference.as_deref(),
                                "user-profile-error".to_owned(),
                                Some(Callback::new(move |_| failed.set(None))),
                            )
                        })}
                        <ConnectedAccounts vst locale/>
                        <ActiveSessions vst locale/>
                        <div>
                            <button
                                type="button"
                                class="vst-button vst-button--secondary"
                                data-testid="user-profile-sign-out"
                                disabled=move || vst.signing_out().get()
                                on:click=move |_| vst.sign_out(Some(after_sign_out()))
                            >
                                {move || if vst.signing_out().get() { t.signing_out } else { t.sign_out }}
                            </button>
                        </div>
                    </div>
                }
                .into_any()
            }}
        </Root>
    }
}

/// Who is signed in: avatar, name, e-mail with its verification, member since.
#[component]
fn ProfileHeader(vst: Vestibule, locale: Signal<Locale>) -> impl IntoView {
    move || {
        let user = vst.user.get()?;
        let lc = locale.get();
        let t = lc.profile();
        let name = display_name(&user);
        Some(view! {
            <header class="vst-page__header">
                {avatar(&name, user.avatar_url.clone(), true)}
                <div>
                    <h2 class="vst-page__title" data-testid="user-profile-name">{name.clone()}</h2>
                    <p class="vst-page__subtitle">
                        <span data-testid="user-profile-email">{user.email.clone()}</span>
                        " "
                        {user.email.is_some().then(|| {
                            if user.email_verified {
                                view! { <span class="vst-badge vst-badge--success">{t.verified}</span> }
                            } else {
                                view! { <span class="vst-badge vst-badge--warning">{t.unverified}</span> }
                            }
                        })}
                    </p>
                    <p class="vst-page__subtitle">
                        {fill(t.member_since, &[("date", &date(user.created_at, lc))])}
                    </p>
                </div>
            </header>
        })
    }
}

/// This page's address without its query, where a connect flow comes back to.
fn this_page() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

#[component]
fn ConnectedAccounts(vst: Vestibule, locale: Signal<Locale>) -> impl IntoView {
    let confirming = RwSignal::new(None::<String>);
    let disconnect = Disconnect {
        writes: Writes::new(),
        failed: RwSignal::new(None),
    };
    let providers = move || {
        vst.environment
            .with(|e| {
                e.as_ref()
                    .map(|e| e.connections.iter().map(|c| c.provider).collect::<Vec<_>>())
            })
            .unwrap_or_else(|| vestibule_core::ProviderId::ALL.to_vec())
    };

    view! {
        <section class="vst-section" data-testid="user-profile-accounts" aria-labelledby="vst-accounts-title">
            <div class="vst-section__header">
                <h2 class="vst-section__title" id="vst-accounts-title">
                    {move || locale.get().profile().connected_accounts}
                </h2>
            </div>
            {move || {
                let lc = locale.get();
                let t = lc.profile();
                let accounts = vst.user.get().map(|u| u.external_accounts).unwrap_or_default();
                if accounts.is_empty() {
                    return view! { <p class="vst-list__meta">{t.no_connected_accounts}</p> }.into_any();
                }
                view! {
                    <ul class="vst-list">
                        {accounts
                            .into_iter()
                            .map(|account| account_row(vst, lc, account, confirming, disconnect))
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <div class="vst-list__actions">
                {move || {
                    let t = locale.get().profile();
                    let has_accounts = vst.user.with(|u| u.as_ref().is_some_and(|u| !u.external_accounts.is_empty()));
                    providers()
                        .into_iter()
                        .map(|provider| {
                            let href = vst.api().oauth_start_url(provider, OAuthIntent::Connect, &this_page());
                            let label = if has_accounts {
                                t.connect_another.to_owned()
                            } else {
                                fill(locale.get().messages().connect_with, &[("provider", provider.info().display_name)])
                            };
                            view! {
                                <a
                                    class="vst-button vst-button--secondary"
                                    href=href.clone()
                                    data-testid=format!("connect-button-{}", provider.as_str())
                                    on:click=move |ev| {
                                        link::follow(&ev, vst, &href);
                                    }
                                >
                                    <ProviderLogo provider/>
                                    {label}
                                </a>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </section>
    }
}

/// Disconnecting an account: whether one is on its way, and the account whose last
/// disconnect failed, with why (shown beside that account).
#[derive(Clone, Copy)]
struct Disconnect {
    writes: Writes,
    failed: RwSignal<Option<(String, RequestError)>>,
}

impl Disconnect {
    fn start(self, vst: Vestibule, id: String) {
        self.writes.run(async move {
            let path = format!("/v1/me/external_accounts/{id}");
            match vst.api().send_empty("DELETE", &path).await {
                Ok(()) => {
                    self.failed.try_set(None);
                    vst.reload_client();
                }
                Err(e) => {
                    self.failed.try_set(Some((id, e)));
                }
            }
        });
    }

    /// The error of the last disconnect, when it concerned `id`.
    fn error_for(self, id: &str) -> Option<RequestError> {
        self.failed.with(|f| match f {
            Some((failed_id, e)) if failed_id == id => Some(e.clone()),
            _ => None,
        })
    }
}

fn account_row(
    vst: Vestibule,
    lc: Locale,
    account: ExternalAccount,
    confirming: RwSignal<Option<String>>,
    disconnect: Disconnect,
) -> impl IntoView {
    let t = lc.profile();
    let provider = account.provider;
    let id = account.id.clone();
    let title = account
        .name
        .clone()
        .or_else(|| account.email.clone())
        .unwrap_or_else(|| account.provider_account_id.clone());
    let reconnect_href = vst
        .api()
        .oauth_start_url(provider, OAuthIntent::Connect, &this_page());
    let site = account.site.clone().map(|site| {
        view! {
            <span data-testid="external-account-site">
                {t.authorized_site} ": "
                <a href=site.url.clone() target="_blank" rel="noopener noreferrer">{site.name.clone()}</a>
                " (" {site.url.trim_start_matches("https://").to_owned()} ")"
            </span>
        }
    });
    let confirm_text = fill(
        t.disconnect_confirm,
        &[
            ("provider", provider.info().display_name),
            ("account", &title),
        ],
    );
    let id_confirm = id.clone();
    let id_error = id.clone();
    let id_start = id.clone();
    let id_go = id.clone();
    let row_testid = format!("external-account-{id}");
    view! {
        <li class="vst-list__item" data-testid=row_testid data-provider=provider.as_str()>
            <ProviderLogo provider/>
            <div class="vst-list__main">
                <span class="vst-list__title">
                    {provider.info().display_name}
                    {account.reconnect_needed.then(|| view! {
                        <span class="vst-badge vst-badge--danger" data-testid="external-account-reconnect-needed">
                            {t.reconnect_needed}
                        </span>
                    })}
                </span>
                <span class="vst-list__meta">{title.clone()}{account.email.clone().filter(|e| *e != title).map(|e| format!(" · {e}"))}</span>
                <span class="vst-list__meta">
                    {site.map(IntoAny::into_any).unwrap_or_else(|| t.no_site.into_any())}
                </span>
                {account.reconnect_needed.then(|| view! {
                    <span class="vst-list__meta">{t.reconnect_hint}</span>
                })}
            </div>
            <div class="vst-list__actions">
                {account.reconnect_needed.then(|| {
                    let href = reconnect_href.clone();
                    view! {
                        <a
                            class="vst-button vst-button--primary vst-button--small"
                            href=reconnect_href
                            data-testid="external-account-reconnect"
                            on:click=move |ev| {
                                link::follow(&ev, vst, &href);
                            }
                        >
                            {t.reconnect}
                        </a>
                    }
                })}
                <button
                    type="button"
                    class="vst-button vst-button--ghost vst-button--small"
                    data-testid="external-account-disconnect"
                    aria-expanded=move || if confirming.with(|c| c.as_deref() == Some(id_start.as_str())) { "true" } else { "false" }
                    on:click=move |_| confirming.set(Some(id.clone()))
                >
                    {t.disconnect}
                </button>
            </div>
            {move || confirming.with(|c| c.as_deref() == Some(id_confirm.as_str())).then(|| {
                let id = id_go.clone();
                view! {
                    <InlineConfirm
                        message=confirm_text.clone()
                        confirm_label=t.disconnect
                        cancel_label=lc.messages().cancel
                        testid="external-account-disconnect"
                        pending=Signal::derive(move || disconnect.writes.pending())
                        on_confirm=Callback::new(move |()| {
                            confirming.set(None);
                            disconnect.start(vst, id.clone());
                        })
                        on_cancel=Callback::new(move |()| confirming.set(None))
                    />
                }
            })}
            {move || disconnect.error_for(&id_error).map(|e| {
                request_error_alert(lc.messages(), &e, "external-account-error")
            })}
        </li>
    }
}

/// The sentence for a failed request: the code's, or the network's.
pub(crate) fn request_error_sentence(lc: Locale, error: &RequestError) -> String {
    lc.messages().request_error(error)
}

#[component]
fn ActiveSessions(vst: Vestibule, locale: Signal<Locale>) -> impl IntoView {
    let sessions = vst.load::<SessionList>("/v1/me/sessions");
    let revoke = Revoke {
        vst,
        sessions,
        writes: Writes::new(),
        failed: RwSignal::new(None),
    };

    view! {
        <section class="vst-section" data-testid="user-profile-sessions" aria-labelledby="vst-sessions-title">
            <div class="vst-section__header">
                <h2 class="vst-section__title" id="vst-sessions-title">
                    {move || locale.get().profile().active_sessions}
                </h2>
            </div>
            {move || revoke.failed.get().map(|e| {
                request_error_alert(locale.get().messages(), &e, "session-error")
            })}
            {move || {
                let lc = locale.get();
                // Read directly: the resource keeps its last list while it reloads.
                match sessions.get() {
                    None => view! { <span class="vst-spinner" aria-hidden="true"></span> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="vst-list">
                            {list.sessions.into_iter().map(|s| session_row(lc, s, revoke)).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Some(Err(e)) => request_error_alert(lc.messages(), &e, "session-error").into_any(),
                }
            }}
        </section>
    }
}

/// Signing a device out: whether one is on its way, and why the last one failed.
#[derive(Clone, Copy)]
struct Revoke {
    vst: Vestibule,
    sessions: Loaded<SessionList>,
    writes: Writes,
    failed: RwSignal<Option<RequestError>>,
}

impl Revoke {
    fn start(self, id: String) {
        self.writes.run(async move {
            let path = format!("/v1/me/sessions/{id}");
            let result = self.vst.api().send_empty("DELETE", &path).await;
            self.failed.try_set(result.err());
            self.sessions.refetch();
        });
    }
}

fn session_row(lc: Locale, session: SessionInfo, revoke: Revoke) -> impl IntoView {
    let t = lc.profile();
    let device = session
        .user_agent
        .as_deref()
        .and_then(device)
        .unwrap_or_else(|| t.unknown_device.to_owned());
    let times = fill(
        t.session_times,
        &[
            ("created", &date(session.created_at, lc)),
            ("active", &date_time(session.last_active_at, lc)),
        ],
    );
    let id = session.id.clone();
    view! {
        <li class="vst-list__item" data-testid=format!("session-{}", session.id) data-current=session.current.to_string()>
            <svg class="vst-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M3 4h14a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1h-5v1.5h2V17H6v-1.5h2V14H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v6h12V6z"/>
            </svg>
            <div class="vst-list__main">
                <span class="vst-list__title">
                    {device}
                    {session.current.then(|| view! {
                        <span class="vst-badge vst-badge--success" data-testid="session-current">{t.this_device}</span>
                    })}
                </span>
                <span class="vst-list__meta">{times}</span>
            </div>
            {(!session.current).then(|| view! {
                <div class="vst-list__actions">
                    <button
                        type="button"
                        class="vst-button vst-button--ghost vst-button--small"
                        data-testid="session-revoke"
                        disabled=move || revoke.writes.pending()
                        on:click=move |_| revoke.start(id.clone())
                    >
                        {t.revoke_session}
                    </button>
                </div>
            })}
        </li>
    }
}
