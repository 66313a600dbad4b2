//! The admin dashboard: sign in with the instance's secret key, then the SSO connections.

use leptos::prelude::*;
use vestibule_components::vestibule_core::api::{AdminSignIn, InstanceEnvironment};
use vestibule_components::*;

use crate::page_title;

/// The dashboard: the admin signs in with the instance's secret key (an HttpOnly cookie
/// session, so the key never stays in the page), then manages the SSO connections.
#[component]
pub(crate) fn Dashboard() -> impl IntoView {
    let vst = use_vestibule();
    mount_styles();
    let session = vst.load::<()>("/v1/admin/session");
    view! {
        {move || {
                match session.get() {
                    None => view! { <span class="vst-spinner" aria-hidden="true"></span> }.into_any(),
                    Some(result) => match result {
                    Ok(()) => view! {
                        <DashboardHome on_sign_out=Callback::new(move |_| session.refetch())/>
                    }
                    .into_any(),
                    Err(_) => view! {
                        <AdminSignInForm on_success=Callback::new(move |_| session.refetch())/>
                    }
                    .into_any(),
                    },
                }
            }}
    }
}

#[component]
fn AdminSignInForm(on_success: Callback<()>) -> impl IntoView {
    let vst = use_vestibule();
    let secret_key = RwSignal::new(String::new());
    let sign_in = Writes::new();
    let failed = RwSignal::new(None::<RequestError>);
    let submit = move || {
        let body = AdminSignIn {
            secret_key: secret_key.get_untracked().trim().to_owned(),
        };
        sign_in.run(async move {
            let result = vst
                .api()
                .send::<_, ()>("POST", "/v1/admin/session", &body)
                .await;
            let ok = result.is_ok();
            failed.try_set(result.err());
            if ok {
                on_success.run(());
            }
        });
    };
    page_title(|lc| lc.admin().admin_sign_in_title);
    let error = move || {
        let t = vst.locale.get().messages();
        failed.with(|e| e.as_ref().map(|e| t.request_error(e)))
    };
    view! {
        <div class="vst-root vst-theme--auto">
            <form
                class="vst-card"
                data-testid="admin-sign-in"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }
            >
                <header class="vst-card__header">
                    <h1 class="vst-card__title">{move || vst.locale.get().admin().admin_sign_in_title}</h1>
                    <p class="vst-card__subtitle">{move || vst.locale.get().admin().admin_sign_in_subtitle}</p>
                </header>
                {move || error().map(|sentence| view! {
                    <div class="vst-alert vst-alert--error" role="alert" data-testid="admin-sign-in-error">
                        <p class="vst-alert__text">{sentence}</p>
                    </div>
                })}
                <div class="vst-field">
                    <label class="vst-field__label" for="vst-admin-secret-key">
                        {move || vst.locale.get().admin().secret_key}
                    </label>
                    <input
                        class="vst-input"
                        id="vst-admin-secret-key"
                        type="password"
                        autocomplete="current-password"
                        required=true
                        data-testid="admin-secret-key"
                        bind:value=secret_key
                    />
                </div>
                <button
                    type="submit"
                    class="vst-button vst-button--primary"
                    data-testid="admin-sign-in-submit"
                    disabled=move || sign_in.pending()
                >
                    {move || vst.locale.get().admin().admin_sign_in_button}
                </button>
            </form>
        </div>
    }
}

#[component]
fn DashboardHome(on_sign_out: Callback<()>) -> impl IntoView {
    let vst = use_vestibule();
    page_title(|lc| lc.admin().sso_title);
    let sign_out = Writes::new();
    view! {
        <div class="vst-root vst-theme--auto portal__dashboard" data-testid="dashboard">
            <div class="portal__bar">
                <span class="portal__brand">
                    {move || vst.environment.get().map(|e| e.application_name)}
                    " "
                    {move || {
                        let t = vst.locale.get().admin();
                        vst.environment.get().map(|e| {
                            let (label, class) = match e.environment {
                                InstanceEnvironment::Development => {
                                    (t.environment_development, "vst-badge vst-badge--warning")
                                }
                                InstanceEnvironment::Production => {
                                    (t.environment_production, "vst-badge vst-badge--success")
                                }
                            };
                            view! {
                                <span
                                    class=class
                                    data-testid="dashboard-environment-badge"
                                    data-environment=e.environment.as_str()
                                >
                                    {label}
                                </span>
                            }
                        })
                    }}
                </span>
                <button
                    type="button"
                    class="vst-button vst-button--ghost vst-button--small"
                    data-testid="dashboard-sign-out"
                    on:click=move |_| sign_out.run(async move {
                        let _ = vst.api().send_empty("DELETE", "/v1/admin/session").await;
                        on_sign_out.run(());
                    })
                >
                    {move || vst.locale.get().profile().sign_out}
                </button>
            </div>
            {move || vst.environment.get().map(|e| {
                let t = vst.locale.get().admin();
                let url = e.portal.sign_in_url;
                view! {
                    <section class="vst-section portal__links">
                        <span class="vst-field__label">{t.portal_sign_in_url}</span>
                        <div class="vst-input-group">
                            <input
                                class="vst-input"
                                type="text"
                                readonly=true
                                aria-label=t.portal_sign_in_url
                                value=url.clone()
                                data-testid="dashboard-portal-sign-in-url"
                            />
                            <a
                                class="vst-button vst-button--secondary"
                                href=url
                                target="_blank"
                                rel="noopener"
                                data-testid="dashboard-portal-visit"
                            >
                                {t.visit}
                            </a>
                        </div>
                    </section>
                }
            })}
            <ConnectionSettings on_change=Callback::new(move |_| vst.reload_environment())/>
        </div>
    }
}
