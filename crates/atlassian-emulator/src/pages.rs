//! Server-rendered HTML: the consent page, Atlassian-style error pages and the index page.
//! Every interpolated value goes through [`text`] or [`attr`]; the pages work without JavaScript.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::{AccountStatus, AtlassianAccount, Distribution, OAuthApp};
use crate::store::OFFLINE_ACCESS;

fn text(s: &str) -> Cow<'_, str> {
    html_escape::encode_text(s)
}

fn attr(s: &str) -> Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}

const STYLE: &str = r#"
:root {
  --atlemu-font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --atlemu-bg: #f7f8f9; --atlemu-surface: #ffffff; --atlemu-text: #172b4d; --atlemu-subtle: #44546f;
  --atlemu-border: #dcdfe4; --atlemu-brand: #0c66e4; --atlemu-brand-hover: #0055cc; --atlemu-on-brand: #ffffff;
  --atlemu-selected: #e9f2ff; --atlemu-danger-bg: #ffeceb; --atlemu-danger: #ae2e24;
  --atlemu-warning-bg: #fff7d6; --atlemu-warning: #7f5f01; --atlemu-focus: #388bff; --atlemu-radius: 8px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --atlemu-bg: #1d2125; --atlemu-surface: #22272b; --atlemu-text: #dee4ea; --atlemu-subtle: #9fadbc;
    --atlemu-border: #38414a; --atlemu-brand: #579dff; --atlemu-brand-hover: #85b8ff; --atlemu-on-brand: #1d2125;
    --atlemu-selected: #1c2b41; --atlemu-danger-bg: #42221f; --atlemu-danger: #fd9891;
    --atlemu-warning-bg: #533f04; --atlemu-warning: #f8e6a0; --atlemu-focus: #85b8ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; font: 15px/1.5 var(--atlemu-font); color: var(--atlemu-text);
  background: var(--atlemu-bg); display: flex; justify-content: center; align-items: flex-start; }
.atlemu-card { width: min(100% - 2rem, 34rem); margin: 2.5rem 0; padding: 2rem; background: var(--atlemu-surface);
  border: 1px solid var(--atlemu-border); border-radius: var(--atlemu-radius); box-shadow: 0 1px 3px rgb(9 30 66 / 0.15); }
.atlemu-brand { display: flex; align-items: center; gap: .5rem; color: var(--atlemu-subtle); font-size: .85rem;
  margin-bottom: 1.25rem; }
.atlemu-brand svg { width: 1.5rem; height: 1.5rem; color: var(--atlemu-brand); }
h1 { font-size: 1.35rem; line-height: 1.3; margin: 0 0 1rem; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
fieldset { border: 0; margin: 0; padding: 0; }
legend { font-weight: 600; margin-bottom: .5rem; padding: 0; }
.atlemu-account { display: flex; align-items: center; gap: .75rem; padding: .6rem .75rem; margin-bottom: .4rem;
  border: 1px solid var(--atlemu-border); border-radius: var(--atlemu-radius); cursor: pointer; }
.atlemu-account:has(input:checked) { border-color: var(--atlemu-brand); background: var(--atlemu-selected); }
.atlemu-account input { width: 1.1rem; height: 1.1rem; margin: 0; accent-color: var(--atlemu-brand); }
.atlemu-avatar { flex: none; width: 2.25rem; height: 2.25rem; border-radius: 50%; display: grid; place-items: center;
  font-weight: 600; font-size: .85rem; color: #fff; background: var(--atlemu-avatar, #5e4db2); }
.atlemu-account__who { display: flex; flex-direction: column; min-width: 0; }
.atlemu-account__name { font-weight: 600; }
.atlemu-account__email { color: var(--atlemu-subtle); font-size: .85rem; overflow-wrap: anywhere; }
.atlemu-badge { display: inline-block; margin-left: .4rem; padding: 0 .4rem; border-radius: 3px; font-size: .75rem;
  font-weight: 600; background: var(--atlemu-warning-bg); color: var(--atlemu-warning); }
.atlemu-field { margin-top: 1.25rem; }
.atlemu-field label { display: block; font-weight: 600; margin-bottom: .35rem; }
select { width: 100%; padding: .55rem .6rem; font: inherit; color: inherit; background: var(--atlemu-surface);
  border: 1px solid var(--atlemu-border); border-radius: var(--atlemu-radius); }
.atlemu-help { color: var(--atlemu-subtle); font-size: .85rem; margin: .35rem 0 0; }
.atlemu-scopes { list-style: none; margin: 0; padding: 0; border-top: 1px solid var(--atlemu-border); }
.atlemu-scopes li { padding: .55rem 0; border-bottom: 1px solid var(--atlemu-border); }
.atlemu-scopes code { display: block; color: var(--atlemu-subtle); font-size: .8rem; }
.atlemu-actions { display: flex; justify-content: flex-end; gap: .75rem; margin-top: 1.75rem; }
button { font: inherit; font-weight: 600; min-height: 2.5rem; padding: 0 1.1rem; border-radius: var(--atlemu-radius);
  border: 1px solid var(--atlemu-border); background: transparent; color: var(--atlemu-text); cursor: pointer; }
button.atlemu-primary { background: var(--atlemu-brand); border-color: var(--atlemu-brand); color: var(--atlemu-on-brand); }
button.atlemu-primary:hover { background: var(--atlemu-brand-hover); }
:focus-visible { outline: 2px solid var(--atlemu-focus); outline-offset: 2px; }
.atlemu-alert { padding: .75rem 1rem; border-radius: var(--atlemu-radius); background: var(--atlemu-danger-bg);
  color: var(--atlemu-danger); margin-bottom: 1rem; }
.atlemu-notice { padding: .75rem 1rem; border-radius: var(--atlemu-radius); background: var(--atlemu-warning-bg);
  color: var(--atlemu-warning); margin-bottom: 1rem; }
.atlemu-footer { margin-top: 1.5rem; color: var(--atlemu-subtle); font-size: .8rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
"#;

/// Greys out the other accounts' sites once an account is picked. The form works without it.
const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById("consent-form");
  var select = document.getElementById("site-select");
  if (!form || !select) return;
  function sync() {
    var picked = form.querySelector('input[name="account_id"]:checked');
    if (!picked) return;
    var groups = select.querySelectorAll("optgroup");
    var first = null;
    groups.forEach(function (group) {
      var mine = group.getAttribute("data-account") === picked.value;
      group.disabled = !mine;
      if (mine && !first) first = group.querySelector("option");
    });
    var current = select.options[select.selectedIndex];
    var currentOk = current && current.parentElement.tagName === "OPTGROUP" && !current.parentElement.disabled;
    if (!currentOk) select.value = first ? first.value : "";
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "account_id") sync();
  });
  sync();
})();
"#;

const LOGO: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M7.1 11.2c-.3-.4-.8-.3-1 .1L1.6 20.4c-.2.4.1.9.5.9h6.3c.2 0 .4-.1.5-.3 1.4-2.8.5-7.1-1.8-9.8zM11.5 2.9c-2.4 3.8-2.2 8-.7 11l3 6.1c.1.2.3.3.5.3h6.3c.5 0 .8-.5.5-.9L12.5 2.9c-.2-.4-.8-.4-1 0z"/></svg>"#;

fn document(title: &str, body: &str, script: Option<&str>) -> String {
    let mut html = String::with_capacity(body.len() + STYLE.len() + 1024);
    let _ = writeln!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <main class=\"atlemu-card\">\n<div class=\"atlemu-brand\">{LOGO}<span>Atlassian account · local emulator</span></div>\n\
         {body}\n<p class=\"atlemu-footer\">This is the Atlassian OAuth 2.0 (3LO) emulator. No real Atlassian account is involved.</p>\n\
         </main>",
        text(title)
    );
    if let Some(script) = script {
        let _ = writeln!(html, "<script>{script}</script>");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// Up to two initials, for the avatar circle.
pub(crate) fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A stable colour per key, so each account keeps its avatar colour.
pub(crate) fn avatar_colour(key: &str) -> &'static str {
    const PALETTE: [&str; 6] = [
        "#5e4db2", "#1f845a", "#0055cc", "#a54800", "#ae2e24", "#206a83",
    ];
    let sum = key.bytes().fold(0usize, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    PALETTE[sum % PALETTE.len()]
}

/// A plain-language line for each scope the consent page lists.
fn scope_description(scope: &str) -> &'static str {
    match scope {
        "read:me" => "View your user profile (name, e-mail address and avatar)",
        OFFLINE_ACCESS => "Keep access to this data while you are not using the app",
        "read:account" => "View your account information",
        "read:jira-user" => "View user profiles in Jira",
        "read:jira-work" => "View Jira issue data",
        "write:jira-work" => "Create and manage Jira issues",
        "manage:jira-project" => "Manage Jira projects",
        "read:confluence-user" => "View user profiles in Confluence",
        "read:confluence-content.summary" => "Read Confluence content summaries",
        _ => "Access granted by this scope",
    }
}

/// What the consent page shows and keeps.
pub(crate) struct ConsentPage<'a> {
    pub pending_id: &'a str,
    pub app: &'a OAuthApp,
    pub scopes: &'a [String],
    pub accounts: &'a [AtlassianAccount],
    pub selected_account: Option<&'a str>,
    pub selected_site: Option<&'a str>,
    /// A problem with the previous submission, shown above the form.
    pub error: Option<&'a str>,
}

impl ConsentPage<'_> {
    pub(crate) fn render(&self) -> String {
        let app_name = self.app.name.as_str();
        let mut body = String::new();
        let _ = writeln!(
            body,
            "<h1 id=\"consent-title\"><span data-testid=\"app-name\">{}</span> is requesting access to your Atlassian account</h1>",
            text(app_name)
        );
        if self.app.distribution == Distribution::Private {
            body.push_str(
                "<p class=\"atlemu-notice\" role=\"note\" data-testid=\"private-notice\">This app is in development \
                 and not shared: only its owner can authorize it.</p>\n",
            );
        }
        if let Some(error) = self.error {
            let _ = writeln!(
                body,
                "<div class=\"atlemu-alert\" role=\"alert\" data-testid=\"form-error\">{}</div>",
                text(error)
            );
        }
        let _ = writeln!(
            body,
            "<form id=\"consent-form\" method=\"post\" action=\"/auth/authorize/consent\" aria-labelledby=\"consent-title\" \
             data-testid=\"consent-page\" data-distribution=\"{}\">\n\
             <input type=\"hidden\" name=\"pending\" value=\"{}\">",
            match self.app.distribution {
                Distribution::Sharing => "sharing",
                Distribution::Private => "private",
            },
            attr(self.pending_id)
        );

        self.account_choice(&mut body);
        self.site_choice(&mut body);
        self.scope_list(&mut body);

        // Accept comes first so that pressing Enter accepts; Cancel skips the browser's "required" check.
        body.push_str(
            "<div class=\"atlemu-actions\">\n\
             <button type=\"submit\" name=\"decision\" value=\"accept\" class=\"atlemu-primary\" data-testid=\"accept\">Accept</button>\n\
             <button type=\"submit\" name=\"decision\" value=\"cancel\" formnovalidate data-testid=\"cancel\">Cancel</button>\n\
             </div>\n</form>\n",
        );

        document(
            &format!("Authorize {app_name} · Atlassian emulator"),
            &body,
            Some(SCRIPT),
        )
    }

    /// Step 1: who signs in, one radio button per seeded account.
    fn account_choice(&self, body: &mut String) {
        body.push_str(
            "<fieldset>\n<legend>Choose the Atlassian account to continue with</legend>\n",
        );
        if self.accounts.is_empty() {
            body.push_str("<p class=\"atlemu-help\">No account is seeded in the emulator.</p>\n");
        }
        for account in self.accounts {
            let id = account.account_id.as_str();
            let checked = if self.selected_account == Some(id) {
                " checked"
            } else {
                ""
            };
            let _ = writeln!(
                body,
                "<label class=\"atlemu-account\" for=\"account-{id_attr}\">\
                 <input type=\"radio\" id=\"account-{id_attr}\" name=\"account_id\" value=\"{id_attr}\" \
                 data-testid=\"account-option-{id_attr}\" required{checked}>\
                 <span class=\"atlemu-avatar\" style=\"--atlemu-avatar: {colour}\" aria-hidden=\"true\">{initials}</span>\
                 <span class=\"atlemu-account__who\"><span class=\"atlemu-account__name\">{name}{badges}</span>\
                 <span class=\"atlemu-account__email\">{email}</span></span></label>",
                id_attr = attr(id),
                colour = avatar_colour(id),
                initials = text(&initials(&account.name)),
                name = text(&account.name),
                badges = account_badges(account),
                email = text(&account.email),
            );
        }
        body.push_str("</fieldset>\n");
    }

    /// Step 2: which site. Sites are grouped by account; the server checks the pair.
    fn site_choice(&self, body: &mut String) {
        body.push_str(
            "<div class=\"atlemu-field\">\n<label for=\"site-select\">Use app on</label>\n\
             <select id=\"site-select\" name=\"site_id\" data-testid=\"site-select\" aria-describedby=\"site-help\">\n",
        );
        let none_selected = if self.selected_site.is_none() {
            " selected"
        } else {
            ""
        };
        let _ = writeln!(
            body,
            "<option value=\"\"{none_selected}>No site (for an account without one)</option>"
        );
        for account in self.accounts.iter().filter(|a| !a.sites.is_empty()) {
            let _ = writeln!(
                body,
                "<optgroup label=\"{}\" data-account=\"{}\">",
                attr(&format!("{} ({})", account.name, account.email)),
                attr(&account.account_id)
            );
            for site in &account.sites {
                let selected = if self.selected_site == Some(site.id.as_str())
                    && self.selected_account == Some(account.account_id.as_str())
                {
                    " selected"
                } else {
                    ""
                };
                let _ = writeln!(
                    body,
                    "<option value=\"{}\"{selected}>{} — {}</option>",
                    attr(&site.id),
                    text(&site.name),
                    text(&site.url)
                );
            }
            body.push_str("</optgroup>\n");
        }
        body.push_str(
            "</select>\n<p id=\"site-help\" class=\"atlemu-help\">The app gets access to exactly one of the chosen \
             account's sites. An account without a site can still continue.</p>\n</div>\n",
        );
    }

    /// What is being granted.
    fn scope_list(&self, body: &mut String) {
        body.push_str("<h2 id=\"scopes-title\">This app wants to</h2>\n<ul class=\"atlemu-scopes\" data-testid=\"scope-list\" aria-labelledby=\"scopes-title\">\n");
        for scope in self.scopes {
            let _ = writeln!(
                body,
                "<li data-scope=\"{}\">{}<code>{}</code></li>",
                attr(scope),
                text(scope_description(scope)),
                text(scope)
            );
        }
        body.push_str("</ul>\n");
    }
}

fn account_badges(account: &AtlassianAccount) -> String {
    let mut badges = String::new();
    if !account.email_verified {
        badges.push_str("<span class=\"atlemu-badge\">E-mail not verified</span>");
    }
    match account.status {
        AccountStatus::Active => {}
        AccountStatus::Inactive => {
            badges.push_str("<span class=\"atlemu-badge\">Inactive account</span>")
        }
        AccountStatus::Closed => {
            badges.push_str("<span class=\"atlemu-badge\">Closed account</span>")
        }
    }
    if account.sites.is_empty() {
        badges.push_str("<span class=\"atlemu-badge\">No site</span>");
    }
    badges
}

/// The page Atlassian shows instead of redirecting when the request itself is wrong. Besides the OAuth
/// `error` code it carries `reason` as `data-error` (which check failed: `unknown_client`,
/// `redirect_uri_mismatch`, `invalid_scope`, …) and, for `invalid_scope`, the scopes not enabled as
/// `data-invalid-scopes`, so a program probing the URL can read what a person reads.
pub(crate) fn error_page(
    error: &str,
    reason: &str,
    description: &str,
    invalid_scopes: &[String],
) -> String {
    let scopes = if invalid_scopes.is_empty() {
        String::new()
    } else {
        format!(
            " data-invalid-scopes=\"{}\"",
            attr(&invalid_scopes.join(" "))
        )
    };
    let body = format!(
        "<h1>Something went wrong</h1>\n\
         <div class=\"atlemu-alert\" role=\"alert\" data-testid=\"error-page\" data-error=\"{}\"{scopes}>\
         <p data-testid=\"error-description\" style=\"margin:0\">{}</p></div>\n\
         <p>Error: <code data-testid=\"error-code\">{}</code></p>\n\
         <p class=\"atlemu-help\">Close this page and try again. If the problem continues, the app's configuration in \
         the developer console does not match its authorization request.</p>\n",
        attr(reason),
        text(description),
        text(error)
    );
    document("Something went wrong · Atlassian emulator", &body, None)
}

/// What a misbehaving proxy returns when a test injects [`Fault::HtmlBody`](crate::Fault::HtmlBody).
pub(crate) fn fault_html_page() -> String {
    document(
        "Service temporarily unavailable",
        "<h1>We'll be back shortly</h1>\n<p data-testid=\"fault-html\">Atlassian is down for scheduled maintenance.</p>\n",
        None,
    )
}

/// `GET /`: where everything is, for a person who opened the base URL.
pub(crate) fn index_page(base_url: &str) -> String {
    let base = text(base_url);
    let body = format!(
        "<h1>Atlassian OAuth 2.0 (3LO) emulator</h1>\n<dl>\n\
         <dt>Auth host</dt><dd><code>{base}/auth</code> (stands for https://auth.atlassian.com)</dd>\n\
         <dt>API host</dt><dd><code>{base}/api</code> (stands for https://api.atlassian.com)</dd>\n\
         <dt>Authorize</dt><dd><code>{base}/auth/authorize</code></dd>\n\
         <dt>Token</dt><dd><code>{base}/auth/oauth/token</code></dd>\n\
         <dt>Profile</dt><dd><code>{base}/api/me</code></dd>\n\
         <dt>Sites</dt><dd><code>{base}/api/oauth/token/accessible-resources</code></dd>\n\
         <dt>Admin</dt><dd><code>{base}/__admin/stats</code></dd>\n</dl>\n"
    );
    document("Atlassian emulator", &body, None)
}

/// A round avatar with initials, served for accounts and sites that have no picture of their own.
pub(crate) fn avatar_svg(label: &str, key: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"96\" height=\"96\" viewBox=\"0 0 96 96\" role=\"img\" aria-label=\"{}\">\
         <circle cx=\"48\" cy=\"48\" r=\"48\" fill=\"{}\"/>\
         <text x=\"48\" y=\"48\" dy=\".35em\" text-anchor=\"middle\" font-family=\"system-ui, sans-serif\" font-size=\"38\" \
         font-weight=\"600\" fill=\"#ffffff\">{}</text></svg>",
        attr(label),
        avatar_colour(key),
        text(&initials(label))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AtlassianSite;

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(initials("Mara Jensen"), "MJ");
        assert_eq!(initials("tomás  okafor smith"), "TO");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn consent_page_escapes_everything_it_shows() {
        let app = OAuthApp::new("c", "s", "<script>alert(1)</script>", "o");
        let accounts = vec![
            AtlassianAccount::new("a\"1", "x@example.com", "Eve <b>").with_site(
                AtlassianSite::new("s1", "<i>site</i>", "https://x.atlassian.net"),
            ),
        ];
        let scopes = vec!["read:me".to_owned(), "<bad>".to_owned()];
        let html = ConsentPage {
            pending_id: "p\"x",
            app: &app,
            scopes: &scopes,
            accounts: &accounts,
            selected_account: None,
            selected_site: None,
            error: Some("<oops>"),
        }
        .render();
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("<i>site"));
        assert!(!html.contains("<bad>"));
        assert!(!html.contains("<oops>"));
        assert!(html.contains("value=\"p&quot;x\""));
        assert!(html.contains("data-testid=\"account-option-a&quot;1\""));
    }
}
