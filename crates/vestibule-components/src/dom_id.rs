//! Element ids that stay unique when a component is rendered more than once on a page, so
//! that `<label for>` and `aria-describedby` point into the right copy.

use std::sync::atomic::{AtomicU32, Ordering};

static INSTANCES: AtomicU32 = AtomicU32::new(0);

/// The ids of one component instance: `{name}-{n}`, `n` counting instances on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DomIds(u32);

impl DomIds {
    /// A new instance's ids, different from every instance before it.
    pub fn new() -> Self {
        Self(INSTANCES.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// The id of the element called `name` in this instance, such as `vst-connection-scopes-2`.
    pub fn id(self, name: &str) -> String {
        format!("{name}-{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::DomIds;

    #[test]
    fn each_instance_has_its_own_ids() {
        let (a, b) = (DomIds::new(), DomIds::new());
        assert_ne!(a.id("vst-x"), b.id("vst-x"));
        assert_eq!(a.id("vst-x"), a.id("vst-x"));
        assert!(a.id("vst-x").starts_with("vst-x-"));
    }
}
