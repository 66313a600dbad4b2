//! What every request handler shares: the resolved settings and the instance's resources.

use std::sync::Arc;

use url::Url;
use vestibule_core::api::{InstanceEnvironment, PortalUrls};

use crate::portal::Portal;

/// The configuration after defaults are resolved against the bound address.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: InstanceEnvironment,
    /// Where browsers reach this server, without a trailing slash.
    pub public_url: Url,
    pub application_name: String,
}

impl Settings {
    /// `path` (starting with `/`) on the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    pub fn portal_urls(&self) -> PortalUrls {
        PortalUrls {
            sign_in_url: self.url("/sign-in"),
            sign_up_url: self.url("/sign-up"),
            user_profile_url: self.url("/user"),
            after_sign_in_url: self.url("/user"),
        }
    }
}

/// Cheap to clone: one `Arc` shared by every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    pub settings: Settings,
    pub portal: Portal,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self {
            inner: Arc::new(shared),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}
