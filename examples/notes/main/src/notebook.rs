//! The notes main keeps, and the rules a note must follow. Plain Rust, so
//! the rules are tested on the host.

/// The longest title, in characters.
pub const MAX_TITLE: u32 = 120;
/// The most tags a note may have.
pub const MAX_TAGS: u32 = 8;

/// A stored note, as the store interface sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: u32,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub created_ms: u64,
}

/// Why the notebook refused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    EmptyTitle,
    TitleTooLong(u32),
    TooManyTags(u32),
    NotFound(u32),
}

/// Every note, oldest first, with ids that are never used twice.
#[derive(Debug, Default)]
pub struct Notebook {
    notes: Vec<Entry>,
    next_id: u32,
}

impl Notebook {
    pub fn all(&self) -> &[Entry] {
        &self.notes
    }

    /// Stores a note made of `title`, `body` and `tags`: the title and body
    /// trimmed, the tags tidied by [`tidy_tags`].
    ///
    /// # Errors
    /// An empty or over-long title, or too many tags.
    pub fn add(
        &mut self,
        title: &str,
        body: &str,
        tags: &[String],
        created_ms: u64,
    ) -> Result<&Entry, Refused> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Refused::EmptyTitle);
        }
        if title.chars().count() > MAX_TITLE as usize {
            return Err(Refused::TitleTooLong(MAX_TITLE));
        }
        let tags = tidy_tags(tags);
        if tags.len() > MAX_TAGS as usize {
            return Err(Refused::TooManyTags(MAX_TAGS));
        }
        self.next_id += 1;
        self.notes.push(Entry {
            id: self.next_id,
            title: title.to_owned(),
            body: body.trim().to_owned(),
            tags,
            pinned: false,
            created_ms,
        });
        Ok(&self.notes[self.notes.len() - 1])
    }

    /// # Errors
    /// No note has `id`.
    pub fn set_pinned(&mut self, id: u32, pinned: bool) -> Result<&Entry, Refused> {
        let entry = self
            .notes
            .iter_mut()
            .find(|entry| entry.id == id)
            .ok_or(Refused::NotFound(id))?;
        entry.pinned = pinned;
        Ok(entry)
    }

    /// # Errors
    /// No note has `id`.
    pub fn remove(&mut self, id: u32) -> Result<(), Refused> {
        let at = self
            .notes
            .iter()
            .position(|entry| entry.id == id)
            .ok_or(Refused::NotFound(id))?;
        self.notes.remove(at);
        Ok(())
    }
}

/// Tags as the notebook keeps them: trimmed, lower case, without a leading
/// `#`, empty ones dropped, each once, in the order first given.
pub fn tidy_tags(tags: &[String]) -> Vec<String> {
    let mut tidy: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().trim_start_matches('#').trim().to_lowercase();
        if !tag.is_empty() && !tidy.contains(&tag) {
            tidy.push(tag);
        }
    }
    tidy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_note_is_stored_trimmed_with_tidy_tags() {
        let mut book = Notebook::default();
        let tags = strings(&[" Work", "#home", "work", "", "  "]);
        let entry = book.add("  Call Ada ", " soon ", &tags, 7).cloned();
        assert_eq!(
            entry,
            Ok(Entry {
                id: 1,
                title: "Call Ada".into(),
                body: "soon".into(),
                tags: strings(&["work", "home"]),
                pinned: false,
                created_ms: 7,
            })
        );
    }

    #[test]
    fn bad_notes_are_refused_by_name() {
        let mut book = Notebook::default();
        assert_eq!(book.add(" \t", "", &[], 0), Err(Refused::EmptyTitle));
        let long = "x".repeat(MAX_TITLE as usize + 1);
        assert_eq!(
            book.add(&long, "", &[], 0),
            Err(Refused::TitleTooLong(MAX_TITLE))
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|n| format!("t{n}")).collect();
        assert_eq!(
            book.add("t", "", &many, 0),
            Err(Refused::TooManyTags(MAX_TAGS))
        );
        assert!(book.all().is_empty());
    }

    #[test]
    fn ids_are_never_reused_and_unknown_ids_are_named() {
        let mut book = Notebook::default();
        let first = book.add("a", "", &[], 0).map(|e| e.id);
        assert_eq!(first, Ok(1));
        assert_eq!(book.remove(1), Ok(()));
        assert_eq!(book.add("b", "", &[], 0).map(|e| e.id), Ok(2));
        assert_eq!(book.remove(1), Err(Refused::NotFound(1)));
        assert_eq!(
            book.set_pinned(9, true).map(|e| e.id),
            Err(Refused::NotFound(9))
        );
        assert_eq!(book.set_pinned(2, true).map(|e| e.pinned), Ok(true));
    }
}
