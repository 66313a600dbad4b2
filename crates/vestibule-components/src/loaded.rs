//! [`Loaded`]: one `GET` of the frontend or admin API that a page or a component reads,
//! generation-guarded, its request in one task type shared by every answer type.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::api::{FrontendApi, RequestError};
use crate::json::FromJson;

/// A `GET` of the frontend or admin API whose answer a page or a component reads, loaded on
/// creation and again on [`refetch`](Loaded::refetch): the environment, the client, every
/// list the components show, and the portal's admin session. Make one with
/// [`Vestibule::load`](crate::Vestibule::load); `Copy`, like a signal.
///
/// ```ignore
/// let vst = use_vestibule();
/// let sessions = vst.load::<SessionList>("/v1/me/sessions");
/// view! { {move || match sessions.get() { None => "…".into_any(), Some(list) => /* … */ }} }
/// ```
///
/// What the components use instead of `LocalResource`: each `LocalResource` carries its own
/// async machinery, and replacing the kit's and the portal's four saved the portal 10.5 KB
/// brotli (the async-derived code went with the last one); nothing here needs Suspense, the
/// components show their own loading state from `None`. The request runs in one task type
/// shared by every `Loaded` ([`spawn_load`]); only reading the answer is per type. A reload
/// keeps the last answer until the next one arrives, so a list never flashes.
///
/// Reloads may overlap (a sign-out reloads the client while a disconnect does too) and
/// their answers may arrive in any order; each load takes a generation number and only the
/// newest one may write, so an older answer never overwrites a newer one.
pub struct Loaded<T: 'static> {
    pub(crate) value: RwSignal<Option<Result<T, RequestError>>, LocalStorage>,
    api: StoredValue<FrontendApi>,
    path: LoadPath,
    generation: StoredValue<u64>,
}

/// Where a [`Loaded`] reads from: the environment's and the client's fixed paths cost the
/// sign-in page nothing to keep; a component's own path (with an id in it) is stored.
#[derive(Clone, Copy)]
pub(crate) enum LoadPath {
    Fixed(&'static str),
    Owned(StoredValue<String>),
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loaded<T> {}

impl<T: FromJson + Clone + 'static> Loaded<T> {
    pub(crate) fn new(api: StoredValue<FrontendApi>, path: LoadPath) -> Self {
        let this = Self {
            value: RwSignal::new_local(None),
            api,
            path,
            generation: StoredValue::new(0),
        };
        this.refetch();
        this
    }

    /// Loads again (after a change); the last answer stays until the new one arrives.
    pub fn refetch(&self) {
        self.refetch_then(None);
    }

    /// The answer (cloned, tracked): `None` until the first one arrives; a reload keeps
    /// the last one until the next arrives.
    pub fn get(&self) -> Option<Result<T, RequestError>> {
        self.value.get()
    }

    /// Loads again; `then` runs once this answer is in the signal, or once a newer load
    /// started meanwhile (whose answer is then the one that counts).
    pub(crate) fn refetch_then(&self, then: Option<Box<dyn FnOnce()>>) {
        let value = self.value;
        spawn_load(
            self.api,
            self.path,
            self.generation,
            Box::new(move |answer| {
                if let Some(answer) = answer {
                    value.try_set(Some(
                        answer.and_then(|json| T::from_json(&json).ok_or(RequestError::Decode)),
                    ));
                }
                if let Some(then) = then {
                    then();
                }
            }),
        );
    }

    /// Reads the answer without cloning it: `None` while loading.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&Result<T, RequestError>>) -> R) -> R {
        self.value.with(|v| f(v.as_ref()))
    }
}

/// What a [`Loaded`] does with the answer of one load: `None` when a newer load started
/// meanwhile or the state is gone.
type StoreAnswer = Box<dyn FnOnce(Option<Result<JsValue, RequestError>>)>;

/// The request of a [`Loaded`]: `GET path`, then `store` with the answer.
fn spawn_load(
    api: StoredValue<FrontendApi>,
    path: LoadPath,
    generation: StoredValue<u64>,
    store: StoreAnswer,
) {
    leptos::task::spawn_local(async move {
        let started = generation.try_update_value(|g| {
            *g += 1;
            *g
        });
        let path = match path {
            LoadPath::Fixed(path) => Some(std::borrow::Cow::Borrowed(path)),
            LoadPath::Owned(path) => path.try_get_value().map(std::borrow::Cow::Owned),
        };
        let (Some(api), Some(path), Some(started)) = (api.try_get_value(), path, started) else {
            return store(None);
        };
        let answer = api.get_json(&path).await;
        let newest = generation.try_get_value() == Some(started);
        store(newest.then_some(answer));
    });
}
