//! How an app changes the components' sentences: a [`Language`] (its own tables, falling
//! back to a built-in language for the rest) and the [`Localization`] that hands the
//! app's languages to `<VestibuleProvider>`.

use vestibule_core::ErrorCode;

use super::{AdminMessages, Locale, Messages, ProfileMessages, primary_subtag};

/// An app's sentences for one language: a new one, or a built-in one with some sentences
/// changed. Each table it leaves out (`None`) comes from `fallback`.
///
/// ```
/// use vestibule_components::{Language, Locale, Messages};
///
/// // English, with the app's own card title; every other sentence stays.
/// static OUR_ENGLISH: Language = Language {
///     messages: Some(&Messages { sign_in_title: "Log in to {app}", ..Messages::EN }),
///     ..Language::new("en", Locale::En)
/// };
/// assert_eq!(Locale::Custom(&OUR_ENGLISH).messages().sign_in_title, "Log in to {app}");
/// assert!(Locale::Custom(&OUR_ENGLISH).placeholder_mismatches().is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Language {
    /// The BCP 47 tag (`fr`, `en`): the `lang` attribute, and how [`Localization`] matches
    /// a built-in language or a browser's language.
    pub tag: &'static str,
    /// The built-in language whose tables fill in what this one leaves out.
    pub fallback: Locale,
    /// The sign-in cards' sentences and the error sentences.
    pub messages: Option<&'static Messages>,
    /// The user button's and profile page's sentences.
    pub profile: Option<&'static ProfileMessages>,
    /// The connection settings' and dashboard's sentences.
    pub admin: Option<&'static AdminMessages>,
}

impl Language {
    /// A language with no tables of its own yet: everything comes from `fallback`.
    pub const fn new(tag: &'static str, fallback: Locale) -> Self {
        Self {
            tag,
            fallback,
            messages: None,
            profile: None,
            admin: None,
        }
    }
}

/// The languages an app adds or changes, given to
/// [`VestibuleProvider`](crate::VestibuleProvider) as `localization`. Every component under
/// the provider then speaks the app's version of its language: `locale=Locale::En` shows
/// the app's English when it supplied one.
///
/// ```ignore
/// static FRENCH: Language = Language { messages: Some(&FRENCH_CARDS), ..Language::new("fr", Locale::En) };
/// view! {
///     <VestibuleProvider localization=Localization::new().language(&FRENCH) locale=Locale::Custom(&FRENCH)>
///         <SignIn/>
///     </VestibuleProvider>
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Localization {
    languages: Vec<Locale>,
}

impl Localization {
    /// The built-in languages, unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `language`; one with the tag of a built-in language (or of one added before)
    /// replaces it.
    pub fn language(mut self, language: &'static Language) -> Self {
        self.languages.retain(|l| l.tag() != language.tag);
        self.languages.push(Locale::Custom(language));
        self
    }

    /// The app's version of `locale`, if it supplied one; else `locale` itself.
    pub fn resolve(&self, locale: Locale) -> Locale {
        let tag = locale.tag();
        self.languages
            .iter()
            .copied()
            .find(|l| l.tag() == tag)
            .unwrap_or(locale)
    }

    /// Picks a language from a tag such as `fr-CA`: the app's languages first, then the
    /// built-in ones. Unknown languages yield `None`.
    pub fn from_tag(&self, tag: &str) -> Option<Locale> {
        let primary = primary_subtag(tag)?;
        self.languages
            .iter()
            .copied()
            .find(|l| l.tag().eq_ignore_ascii_case(&primary))
            .or_else(|| Locale::from_tag(&primary))
    }
}

/// The `{name}` placeholders of a sentence, sorted.
fn placeholders(sentence: &str) -> Vec<&str> {
    let mut found: Vec<&str> = sentence
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    found.sort_unstable();
    found
}

/// One line per sentence of `this` whose placeholders differ from `reference`'s.
fn mismatches(
    area: &str,
    this: Vec<(&'static str, &'static str)>,
    reference: Vec<(&'static str, &'static str)>,
) -> Vec<String> {
    this.into_iter()
        .zip(reference)
        .filter(|((_, a), (_, b))| placeholders(a) != placeholders(b))
        .map(|((field, a), (_, b))| {
            format!(
                "{area}.{field}: {:?} where English has {:?}",
                placeholders(a),
                placeholders(b)
            )
        })
        .collect()
}

impl Locale {
    /// Every sentence of this language whose `{placeholders}` differ from English's, as
    /// `table.field: ...` lines; empty when the language is consistent. A missing
    /// placeholder loses information (the app's name, an error reference), an unknown one
    /// shows up as `{typo}`: call this in a test of the app's own languages.
    pub fn placeholder_mismatches(self) -> Vec<String> {
        let en = Locale::En;
        let mut found = mismatches(
            "messages",
            self.messages().sentences(),
            en.messages().sentences(),
        );
        found.extend(mismatches(
            "profile",
            self.profile().sentences(),
            en.profile().sentences(),
        ));
        found.extend(mismatches(
            "admin",
            self.admin().sentences(),
            en.admin().sentences(),
        ));
        found.extend(mismatches(
            "errors",
            ErrorCode::ALL
                .iter()
                .map(|c| (c.as_str(), self.messages().error(*c)))
                .collect(),
            ErrorCode::ALL
                .iter()
                .map(|c| (c.as_str(), en.messages().error(*c)))
                .collect(),
        ));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OUR_ENGLISH: Language = Language {
        messages: Some(&Messages {
            sign_in_title: "Log in to {app}",
            ..Messages::EN
        }),
        ..Language::new("en", Locale::En)
    };

    fn french_errors(code: ErrorCode) -> &'static str {
        match code {
            ErrorCode::AccessDenied => "Vous avez annulé la connexion.",
            other => (Messages::EN.errors)(other),
        }
    }

    static FRENCH: Language = Language {
        messages: Some(&Messages {
            sign_in_title: "Se connecter à {app}",
            continue_with: "Continuer avec {provider}",
            errors: french_errors,
            ..Messages::EN
        }),
        ..Language::new("fr", Locale::En)
    };

    /// A careless translation: the app's name and the reference are lost, a typo added.
    static BROKEN: Language = Language {
        messages: Some(&Messages {
            sign_in_title: "Anmelden bei {ap}",
            error_with_reference: "Fehler.",
            ..Messages::DE
        }),
        ..Language::new("xx", Locale::De)
    };

    #[test]
    fn every_language_uses_the_same_placeholders() {
        for locale in Locale::ALL
            .iter()
            .copied()
            .chain([Locale::Custom(&OUR_ENGLISH), Locale::Custom(&FRENCH)])
        {
            assert_eq!(
                locale.placeholder_mismatches(),
                Vec::<String>::new(),
                "{locale:?}"
            );
        }
    }

    #[test]
    fn a_missing_or_misspelt_placeholder_is_reported() {
        let found = Locale::Custom(&BROKEN).placeholder_mismatches();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("messages.error_with_reference"),
            "{found:#?}"
        );
        assert!(found[1].starts_with("messages.sign_in_title"), "{found:#?}");
    }

    #[test]
    fn placeholders_are_read_in_order_of_name() {
        assert_eq!(
            placeholders("Signed in {created} · last active {active}"),
            vec!["active", "created"]
        );
        assert_eq!(placeholders("no placeholder"), Vec::<&str>::new());
    }

    #[test]
    fn the_app_overrides_a_sentence_and_keeps_the_rest() {
        let localization = Localization::new().language(&OUR_ENGLISH);
        let en = localization.resolve(Locale::En);
        assert_eq!(en.messages().sign_in_title, "Log in to {app}");
        assert_eq!(en.messages().sign_up_link, Messages::EN.sign_up_link);
        assert_eq!(en.profile().sign_out, ProfileMessages::EN.sign_out);
        assert_eq!(en.tag(), "en");
        // German is untouched.
        assert_eq!(localization.resolve(Locale::De), Locale::De);
        // Resolving twice changes nothing.
        assert_eq!(localization.resolve(en), en);
    }

    #[test]
    fn the_app_adds_a_language_with_its_own_error_sentences() {
        let localization = Localization::new().language(&FRENCH);
        let fr = localization.from_tag("fr-CA").expect("French is known");
        assert_eq!(fr.tag(), "fr");
        assert_eq!(
            fr.messages().error(ErrorCode::AccessDenied),
            "Vous avez annulé la connexion."
        );
        // Sentences it does not translate fall back to English.
        assert_eq!(
            fr.messages().error(ErrorCode::StateExpired),
            Messages::EN.error(ErrorCode::StateExpired)
        );
        assert_eq!(fr.admin().save, AdminMessages::EN.save);
        assert_eq!(localization.from_tag("de"), Some(Locale::De));
        assert_eq!(localization.from_tag("it"), None);
    }

    #[test]
    fn a_later_language_with_the_same_tag_replaces_the_earlier() {
        let localization = Localization::new().language(&FRENCH).language(&OUR_ENGLISH);
        static OTHER_FRENCH: Language = Language::new("fr", Locale::De);
        let localization = localization.language(&OTHER_FRENCH);
        assert_eq!(
            localization.from_tag("fr"),
            Some(Locale::Custom(&OTHER_FRENCH))
        );
        assert_eq!(
            localization.resolve(Locale::En),
            Locale::Custom(&OUR_ENGLISH)
        );
    }
}
