//! [`Writes`]: the one task type every state-changing call of the components (and the
//! portal) runs in, and whether one is on its way.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

/// Runs a component's state-changing calls (a disconnect, a save, a check) and says
/// whether one is on its way; `Copy`, like a signal. The caller keeps what it wants of the
/// answer in its own signal, written by the task itself.
///
/// ```ignore
/// let revoke = Writes::new();
/// let failed = RwSignal::new(None::<RequestError>);
/// let on_click = move |_| revoke.run(async move {
///     failed.try_set(vst.api().send_empty("DELETE", &path).await.err());
/// });
/// view! { <button disabled=move || revoke.pending() on:click=on_click>"Revoke"</button> }
/// ```
///
/// What the components use instead of `Action`: each `Action<I, O>` carries its own copy
/// of the dispatch machinery (input and value signals, versions, an abort channel, a
/// `select!` state machine) for its types, and the portal had seven. Here the task that
/// counts and runs a write is one non-generic function; only each write's own `async`
/// block is per call site.
#[derive(Clone, Copy)]
pub struct Writes {
    in_flight: RwSignal<u32>,
}

impl Default for Writes {
    fn default() -> Self {
        Self::new()
    }
}

impl Writes {
    /// Nothing on its way yet.
    pub fn new() -> Self {
        Self {
            in_flight: RwSignal::new(0),
        }
    }

    /// True while a write started here has not finished (tracked).
    pub fn pending(&self) -> bool {
        self.in_flight.get() > 0
    }

    /// Starts `write` on this thread; [`pending`](Writes::pending) until it ends. A write
    /// that outlives its component (a save that closes its dialog) still runs to its end:
    /// write to signals with `try_set`, which does nothing once they are gone.
    pub fn run(&self, write: impl Future<Output = ()> + 'static) {
        self.spawn(Box::pin(write));
    }

    fn spawn(self, write: Pin<Box<dyn Future<Output = ()>>>) {
        self.in_flight.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            write.await;
            self.in_flight.try_update(|n| *n = n.saturating_sub(1));
        });
    }
}
