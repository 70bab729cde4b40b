//! The main world's `shell` import: URLs opened outside the app, for the
//! schemes the manifest allows (`app.open-external`).

use super::main::MainState;
use crate::bindings::main::wasmtron::app::shell as wit;

/// The longest URL handed to the opener.
const MAX_URL_BYTES: usize = 8 * 1024;

/// `url`'s scheme, lowercase, if it is one the manifest allows.
///
/// # Errors
/// [`wit::OpenError::BadUrl`] for text that is no URL, too long, or holds a
/// control character or a space (the opener takes one argument, and a
/// desktop would show it); [`wit::OpenError::SchemeNotAllowed`] for a
/// scheme the manifest does not list.
pub(crate) fn check(url: &str, allowed: &[String]) -> Result<String, wit::OpenError> {
    if url.len() > MAX_URL_BYTES {
        return Err(wit::OpenError::BadUrl(format!(
            "it is {} bytes long; the most is {MAX_URL_BYTES}",
            url.len()
        )));
    }
    if let Some(c) = url.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(wit::OpenError::BadUrl(format!(
            "it holds the character U+{:04X}",
            c as u32
        )));
    }
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
        .ok_or_else(|| wit::OpenError::BadUrl("it has no scheme".into()))?
        .to_ascii_lowercase();
    if !allowed.contains(&scheme) {
        return Err(wit::OpenError::SchemeNotAllowed(scheme));
    }
    Ok(scheme)
}

impl wit::Host for MainState {
    async fn open_external(&mut self, url: String) -> Result<(), wit::OpenError> {
        let name = format!("{}/main", self.shell.app_name());
        match check(&url, &self.shell.manifest().open_external) {
            Ok(_) => self
                .shell
                .open_external(&url)
                .map_err(wit::OpenError::Failed),
            Err(refused) => {
                let why = match &refused {
                    wit::OpenError::SchemeNotAllowed(scheme) => {
                        format!("its scheme `{scheme}` is not in app.open-external")
                    }
                    wit::OpenError::BadUrl(why) | wit::OpenError::Failed(why) => why.clone(),
                };
                let shown: String = url.chars().take(200).collect();
                wasmtron_wire::log::refused(&name, &format!("open-external `{shown}`: {why}"));
                Err(refused)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_of_allowed_schemes_go_out() {
        let allowed = ["https".to_owned(), "mailto".to_owned()];
        assert_eq!(
            check("HTTPS://example.com/a?b", &allowed).ok().as_deref(),
            Some("https")
        );
        assert!(check("mailto:a@example.com", &allowed).is_ok());
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://example.com",
        ] {
            assert!(
                matches!(
                    check(refused, &allowed),
                    Err(wit::OpenError::SchemeNotAllowed(_))
                ),
                "{refused}"
            );
        }
        for bad in [
            "example.com",
            ":nothing",
            "https://a b",
            "https://a\nb",
            "1http://x",
        ] {
            assert!(
                matches!(check(bad, &allowed), Err(wit::OpenError::BadUrl(_))),
                "{bad:?}"
            );
        }
        let long = format!("https://{}", "a".repeat(MAX_URL_BYTES));
        assert!(matches!(
            check(&long, &allowed),
            Err(wit::OpenError::BadUrl(_))
        ));
    }
}
