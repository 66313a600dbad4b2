//! How a host app themes the components: light or dark, and `--vst-*` variables.

/// Light, dark, or whatever the visitor's system prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// The look of the components: a [`Theme`] and overrides of the `--vst-*` custom
/// properties (without the `--vst-` prefix), such as `color-primary` or `radius`.
///
/// ```
/// use vestibule_components::{Appearance, Theme};
/// let look = Appearance::new()
///     .theme(Theme::Dark)
///     .variable("color-primary", "#6554c0")
///     .variable("radius", "4px");
/// assert_eq!(look.style(), "--vst-color-primary:#6554c0;--vst-radius:4px;");
/// ```
///
/// Every custom property the stylesheet reads: `color-primary`, `color-primary-hover`,
/// `color-on-primary`, `color-background`, `color-surface`, `color-surface-hover`,
/// `color-text`, `color-text-muted`, `color-border`, `color-danger`, `color-danger-surface`,
/// `color-warning-surface`, `color-success`, `color-focus`, `radius`, `radius-card`,
/// `font-family`, `font-size`, `shadow`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Appearance {
    pub theme: Theme,
    pub variables: Vec<(String, String)>,
}

impl Appearance {
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses light, dark or the system's scheme.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Sets `--vst-{name}` to `value`.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }

    /// The inline `style` that applies the variables. Names and values that could break
    /// out of the declaration are dropped.
    pub fn style(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.variables {
            let name_ok =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let value_ok = !value.contains([';', '{', '}', '<', '>']);
            if name_ok && value_ok {
                out.push_str("--vst-");
                out.push_str(name);
                out.push(':');
                out.push_str(value.trim());
                out.push(';');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_variables_are_dropped() {
        let a = Appearance::new()
            .variable("color-text", "red;} body{display:none")
            .variable("bad name", "1px")
            .variable("radius", "2px");
        assert_eq!(a.style(), "--vst-radius:2px;");
    }
}
