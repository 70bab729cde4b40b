//! The `data-keys` filter of a page's key events, as `page.js` reads it:
//! the headless backend sends a renderer the same keys a real page would.
//!
//! `data-keys="Ctrl+S Delete Shift+Enter"` lists key combinations,
//! separated by spaces. Each is modifiers and a key joined by `+`: the
//! modifiers `Ctrl` (or `Control`), `Shift`, `Alt` and `Meta`, then the
//! key as `KeyboardEvent.key` names it (`s`, `Enter`, `ArrowUp`, `F5`), or
//! `Space` and `Plus` for those two. Names are compared without regard to
//! case; the modifiers held must be exactly those listed, so `Enter` is
//! not `Shift+Enter`, and `Ctrl+S` is not `Ctrl+Shift+S`.

use super::KeyInfo;

/// A parsed `data-keys` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyFilter(Vec<Combo>);

/// One combination: the modifiers held, and the key, in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Combo {
    ctrl: bool,
    shift: bool,
    alt: bool,
    meta: bool,
    key: String,
}

impl KeyFilter {
    /// Parses a `data-keys` value.
    ///
    /// # Errors
    /// Says what is wrong: an empty key or modifier (`Ctrl+`, `Ctrl++`), a
    /// modifier that is not one, or one named twice.
    pub(super) fn parse(declared: &str) -> Result<Self, String> {
        declared
            .split_ascii_whitespace()
            .map(Combo::parse)
            .collect::<Result<_, _>>()
            .map(KeyFilter)
    }

    /// Whether `key` is one of the combinations.
    pub(super) fn matches(&self, key: &KeyInfo) -> bool {
        let pressed = key.key.to_lowercase();
        self.0.iter().any(|combo| {
            combo.key == pressed
                && combo.ctrl == key.ctrl
                && combo.shift == key.shift
                && combo.alt == key.alt
                && combo.meta == key.meta
        })
    }
}

impl Combo {
    fn parse(combo: &str) -> Result<Self, String> {
        let mut parts: Vec<&str> = combo.split('+').collect();
        let key = parts.pop().unwrap_or_default();
        if key.is_empty() || parts.iter().any(|part| part.is_empty()) {
            return Err(format!("`{combo}` has an empty part (write `+` as `Plus`)"));
        }
        let mut parsed = Combo {
            ctrl: false,
            shift: false,
            alt: false,
            meta: false,
            key: match key.to_lowercase().as_str() {
                "space" => " ".to_owned(),
                "plus" => "+".to_owned(),
                other => other.to_owned(),
            },
        };
        for modifier in parts {
            let held = match modifier.to_lowercase().as_str() {
                "ctrl" | "control" => &mut parsed.ctrl,
                "shift" => &mut parsed.shift,
                "alt" => &mut parsed.alt,
                "meta" => &mut parsed.meta,
                _ => return Err(format!("`{modifier}` in `{combo}` is not a modifier")),
            };
            if *held {
                return Err(format!("`{modifier}` is named twice in `{combo}`"));
            }
            *held = true;
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key(name: &str, modifiers: &str) -> KeyInfo {
        KeyInfo {
            key: name.into(),
            code: String::new(),
            ctrl: modifiers.contains('c'),
            shift: modifiers.contains('s'),
            alt: modifiers.contains('a'),
            meta: modifiers.contains('m'),
            repeat: false,
        }
    }

    #[test]
    fn combinations_match_their_key_with_exactly_their_modifiers() {
        let filter = KeyFilter::parse("Ctrl+S Delete  Shift+Enter\tspace alt+plus").unwrap();
        for (name, modifiers) in [
            ("s", "c"),
            ("S", "c"),
            ("Delete", ""),
            ("Enter", "s"),
            (" ", ""),
            ("+", "a"),
        ] {
            assert!(filter.matches(&key(name, modifiers)), "{modifiers}+{name}");
        }
        for (name, modifiers) in [
            ("s", ""),
            ("S", "cs"),
            ("s", "ca"),
            ("Delete", "c"),
            ("Enter", ""),
            ("a", ""),
            ("+", ""),
        ] {
            assert!(!filter.matches(&key(name, modifiers)), "{modifiers}+{name}");
        }
        let names = KeyFilter::parse("control+META+F5").unwrap();
        assert!(names.matches(&key("F5", "cm")));
    }

    #[test]
    fn an_empty_filter_passes_no_key() {
        assert!(!KeyFilter::parse("").unwrap().matches(&key("a", "")));
        assert!(!KeyFilter::parse("   ").unwrap().matches(&key(" ", "")));
    }

    #[test]
    fn what_does_not_parse_is_named() {
        for (declared, said) in [
            ("Ctrl+", "empty part"),
            ("Ctrl++", "empty part"),
            ("+", "empty part"),
            ("+S", "empty part"),
            ("Hyper+S", "`Hyper` in `Hyper+S` is not a modifier"),
            ("S Ctrl+Ctrl+S", "`Ctrl` is named twice"),
        ] {
            let error = KeyFilter::parse(declared).unwrap_err();
            assert!(error.contains(said), "{declared}: {error}");
        }
    }
}
