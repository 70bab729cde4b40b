//! What the list shows for a search: the notes matching every word of it,
//! pinned first, newest first. Plain Rust, so it is tested on the host.

/// What a search looks at in a note.
pub trait Searchable {
    fn title(&self) -> &str;
    fn body(&self) -> &str;
    fn tags(&self) -> &[String];
    fn pinned(&self) -> bool;
    fn id(&self) -> u32;
}

/// One word of a search.
#[derive(Debug, PartialEq, Eq)]
enum Word {
    /// `#tag`: a tag that is exactly this.
    Tag(String),
    /// Anything else: in the title, the body or a tag.
    Text(String),
}

fn words(query: &str) -> Vec<Word> {
    query
        .split_whitespace()
        .map(|word| {
            let word = word.to_lowercase();
            match word.strip_prefix('#') {
                Some(tag) if !tag.is_empty() => Word::Tag(tag.to_owned()),
                _ => Word::Text(word),
            }
        })
        .collect()
}

fn matches(note: &impl Searchable, word: &Word) -> bool {
    match word {
        Word::Tag(tag) => note.tags().iter().any(|t| t == tag),
        Word::Text(text) => {
            note.title().to_lowercase().contains(text)
                || note.body().to_lowercase().contains(text)
                || note.tags().iter().any(|t| t.contains(text))
        }
    }
}

/// The notes matching every word of `query`, pinned first, then newest
/// (highest id) first. An empty query matches every note.
pub fn search<N: Searchable>(notes: Vec<N>, query: &str) -> Vec<N> {
    let words = words(query);
    let mut found: Vec<N> = notes
        .into_iter()
        .filter(|note| words.iter().all(|word| matches(note, word)))
        .collect();
    found.sort_by(|a, b| b.pinned().cmp(&a.pinned()).then(b.id().cmp(&a.id())));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Note(u32, &'static str, &'static str, Vec<String>, bool);

    impl Searchable for Note {
        fn title(&self) -> &str {
            self.1
        }
        fn body(&self) -> &str {
            self.2
        }
        fn tags(&self) -> &[String] {
            &self.3
        }
        fn pinned(&self) -> bool {
            self.4
        }
        fn id(&self) -> u32 {
            self.0
        }
    }

    fn notes() -> Vec<Note> {
        vec![
            Note(1, "Buy tea", "green, loose", vec!["shopping".into()], false),
            Note(2, "Call Ada", "about the Engine", vec!["work".into()], true),
            Note(
                3,
                "Tea party",
                "",
                vec!["home".into(), "work".into()],
                false,
            ),
        ]
    }

    fn ids(found: &[Note]) -> Vec<u32> {
        found.iter().map(|note| note.0).collect()
    }

    #[test]
    fn an_empty_search_shows_all_pinned_first_then_newest() {
        assert_eq!(ids(&search(notes(), "  ")), [2, 3, 1]);
    }

    #[test]
    fn words_match_title_body_and_tags_in_any_case() {
        assert_eq!(ids(&search(notes(), "TEA")), [3, 1]);
        assert_eq!(ids(&search(notes(), "engine")), [2]);
        assert_eq!(ids(&search(notes(), "shop")), [1]);
        assert_eq!(ids(&search(notes(), "tea loose")), [1]);
        assert_eq!(ids(&search(notes(), "nothing")), Vec::<u32>::new());
    }

    #[test]
    fn a_hash_word_matches_a_whole_tag() {
        assert_eq!(ids(&search(notes(), "#work")), [2, 3]);
        assert_eq!(ids(&search(notes(), "#wor")), Vec::<u32>::new());
        assert_eq!(ids(&search(notes(), "#work party")), [3]);
        // A lone `#` is a word like any other.
        assert_eq!(ids(&search(notes(), "#")), Vec::<u32>::new());
    }
}
