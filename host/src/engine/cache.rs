//! The compile cache on disk: components compiled ahead of time by this
//! host, keyed by their content and by the engine that compiled them.
//!
//! Compiling a JavaScript or Python component (tens of megabytes) takes
//! seconds; loading its compiled form takes milliseconds. Loading compiled
//! code means trusting it completely (`Component::deserialize` runs no
//! validation), so an entry is only ever loaded when it carries a tag that
//! only this host could have made: an HMAC-SHA256 of the entry under a key
//! the cache created for itself (`key`, mode 0600, in a 0700 folder). A file
//! copied in from elsewhere, cut short or altered fails the tag and is
//! compiled again, never loaded.
//!
//! Layout of `<dir>/components/<key>.cwasm`: [`MAGIC`], the 32-byte tag,
//! then wasmtime's serialized component. The entry's name is the SHA-256 of
//! the component's bytes, the engine's compatibility hash (wasmtime's
//! version and every setting that changes code) and this crate's version.

use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type Tag = Hmac<Sha256>;

/// First bytes of every entry; a new layout gets a new magic.
const MAGIC: &[u8; 8] = b"wtcwasm1";
const TAG_LEN: usize = 32;
const KEY_LEN: usize = 32;

/// The cache keeps its entries under this many bytes, dropping those used
/// longest ago first (a JavaScript or Python component compiles to ~35 MB).
const MAX_BYTES: u64 = 1 << 30;

/// Environment variable naming the cache folder; `off` turns the cache off.
pub const CACHE_ENV: &str = "WASMTRON_CACHE_DIR";

/// Why the cache could not be opened (the host then compiles every time).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The cache folder or its key could not be read or made.
    #[error("cannot use the compile cache at {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The cache folder or its key is a link, not this user's, or open to
    /// others; compiled code from it could not be trusted.
    #[error(
        "the compile cache at {} is not private to this user (a link, another owner or \
         a mode open to others); compiled code from it would not be trustworthy",
        path.display()
    )]
    NotPrivate { path: PathBuf },
}

/// An open compile cache.
pub struct CompileCache {
    dir: PathBuf,
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for CompileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("CompileCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl CompileCache {
    /// The folder the cache uses by default: `$WASMTRON_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/wasmtron`, else `~/.cache/wasmtron`. `None` when
    /// `WASMTRON_CACHE_DIR=off` or no home is known.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os(CACHE_ENV) {
            return (dir != "off" && !dir.is_empty()).then(|| PathBuf::from(dir));
        }
        if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(xdg).join("wasmtron"));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|home| PathBuf::from(home).join(".cache/wasmtron"))
    }

    /// Opens (creating when missing) the cache in `dir`.
    ///
    /// # Errors
    /// [`CacheError`] when the folder or its key cannot be made, or the key
    /// is readable or writable by anyone but this user.
    pub fn open(dir: &Path) -> Result<Self, CacheError> {
        let io_at = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CacheError::Io { path, source }
        };
        let entries = dir.join("components");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&entries)
            .map_err(io_at(&entries))?;
        // Both folders must be this user's own, not links, and writable by
        // nobody else: whoever can write there could replace the key.
        for folder in [dir, entries.as_path()] {
            let meta = fs::symlink_metadata(folder).map_err(io_at(folder))?;
            if !meta.is_dir() || !owned_by_me(meta.uid()) || meta.permissions().mode() & 0o022 != 0
            {
                return Err(CacheError::NotPrivate {
                    path: folder.to_path_buf(),
                });
            }
        }
        let key_path = dir.join("key");
        let key = read_or_make_key(&key_path)?;
        Ok(CompileCache { dir: entries, key })
    }

    /// The folder holding the entries.
    pub fn entries(&self) -> &Path {
        &self.dir
    }

    /// Where the entry for `bytes` compiled by an engine with
    /// `compatibility` lives.
    pub fn entry_path(&self, bytes: &[u8], compatibility: impl Hash) -> PathBuf {
        self.dir.join(entry_name(bytes, compatibility))
    }

    /// The compiled component stored at `entry`, when it is there and its
    /// tag proves this cache wrote it. `Err` only for read failures other
    /// than a missing file; a bad tag is `Ok(None)` with a warning.
    pub fn get(&self, entry: &Path) -> io::Result<Option<Vec<u8>>> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(entry);
        let file = match file {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        if !file.metadata()?.is_file() {
            tracing::warn!(entry = %entry.display(), "compile cache entry is not a file; compiling again");
            return Ok(None);
        }
        let mut data = Vec::new();
        (&file).take(MAX_BYTES).read_to_end(&mut data)?;
        if data.len() < MAGIC.len() + TAG_LEN || &data[..MAGIC.len()] != MAGIC {
            tracing::warn!(entry = %entry.display(), "compile cache entry has the wrong layout; compiling again");
            return Ok(None);
        }
        let (tag, artifact) = data[MAGIC.len()..].split_at(TAG_LEN);
        if self.tag(entry, artifact).verify_slice(tag).is_err() {
            tracing::warn!(entry = %entry.display(), "compile cache entry was not made by this cache (bad tag); compiling again");
            return Ok(None);
        }
        let start = MAGIC.len() + TAG_LEN;
        data.drain(..start);
        // Used now: the last to go when the cache is trimmed.
        let _ = file.set_modified(std::time::SystemTime::now());
        Ok(Some(data))
    }

    /// Stores `artifact` at `entry` with its tag. The file appears whole or
    /// not at all (written beside it, then renamed).
    ///
    /// # Errors
    /// Any write failure; the caller goes on without the entry.
    pub fn put(&self, entry: &Path, artifact: &[u8]) -> io::Result<()> {
        let tag = self.tag(entry, artifact).finalize().into_bytes();
        let temporary = beside(entry, "tmp");
        let written = (|| {
            let mut file = create_private(&temporary)?;
            file.write_all(MAGIC)?;
            file.write_all(&tag)?;
            file.write_all(artifact)?;
            file.sync_data()?;
            fs::rename(&temporary, entry)
        })();
        if let Err(err) = &written
            && err.kind() != io::ErrorKind::AlreadyExists
        {
            let _ = fs::remove_file(&temporary);
        }
        written?;
        self.trim(MAX_BYTES);
        Ok(())
    }

    /// Drops the entries used longest ago until the rest fit in `limit`.
    fn trim(&self, limit: u64) {
        let Ok(listing) = fs::read_dir(&self.dir) else {
            return;
        };
        let listing: Vec<_> = listing.filter_map(Result::ok).collect();
        // Files a host left half-written when it died: gone after an hour.
        let stale = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for leftover in &listing {
            let temporary = leftover
                .path()
                .extension()
                .is_some_and(|x| x.to_string_lossy().starts_with("tmp"));
            let old = leftover
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < stale);
            if temporary && old {
                let _ = fs::remove_file(leftover.path());
            }
        }
        let mut entries: Vec<_> = listing
            .into_iter()
            .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        entries.sort();
        for (_, len, path) in entries {
            if total <= limit {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// The tag binds the artifact to the entry's name, so a valid entry
    /// cannot be renamed to stand for another component.
    fn tag(&self, entry: &Path, artifact: &[u8]) -> Tag {
        let mut tag = Tag::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        let name = entry
            .file_name()
            .map(|n| n.as_encoded_bytes())
            .unwrap_or_default();
        tag.update(&(name.len() as u64).to_le_bytes());
        tag.update(name);
        tag.update(artifact);
        tag
    }
}

/// The file name of the entry for `bytes` compiled by an engine with
/// `compatibility`: the same in the compile cache and in a store of
/// components precompiled by an installer (`precompiled.rs`).
pub(crate) fn entry_name(bytes: &[u8], compatibility: impl Hash) -> String {
    let mut digest = Sha256::new();
    digest.update(b"wasmtron compile cache\0");
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    digest.update([0]);
    digest.update(Sha256::digest(bytes));
    let mut hasher = DigestHasher(&mut digest);
    compatibility.hash(&mut hasher);
    let name = hex(&digest.finalize());
    format!("{name}.cwasm")
}

/// Reads the cache's key, making it on first use. A key anyone else could
/// read or replace is refused.
fn read_or_make_key(path: &Path) -> Result<[u8; KEY_LEN], CacheError> {
    let io_err = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    if fs::symlink_metadata(path).is_err() {
        // Written whole beside it, then linked into place: a host starting
        // at the same moment sees no key or a whole one, and a link never
        // replaces a key another host made first.
        let fresh = beside(path, "new");
        let made = (|| {
            let mut key = [0; KEY_LEN];
            File::open("/dev/urandom")?.read_exact(&mut key)?;
            let mut file = create_private(&fresh)?;
            let written = file
                .write_all(&key)
                .and_then(|()| file.sync_all())
                .and_then(|()| match fs::hard_link(&fresh, path) {
                    Err(err) if err.kind() != io::ErrorKind::AlreadyExists => Err(err),
                    _ => Ok(()),
                });
            // Only the file this call created.
            let _ = fs::remove_file(&fresh);
            written
        })();
        made.map_err(io_err)?;
    }
    // Never through a link (it could name any file of the user's, whose
    // first bytes someone else may know), never blocking on a FIFO.
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    let private = meta.is_file()
        && meta.len() == KEY_LEN as u64
        && owned_by_me(meta.uid())
        && meta.permissions().mode() & 0o077 == 0;
    if !private {
        return Err(CacheError::NotPrivate {
            path: path.to_path_buf(),
        });
    }
    let mut key = [0; KEY_LEN];
    file.read_exact(&mut key).map_err(io_err)?;
    Ok(key)
}

/// A name beside `path` for a file of this write alone: two threads or
/// processes may write the same entry or key at once, and each must rename
/// or link a whole file of its own.
fn beside(path: &Path, kind: &str) -> PathBuf {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    path.with_extension(format!("{kind}{}-{write}", std::process::id()))
}

/// Creates `path` for this user alone; never an existing file, never
/// through a link.
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(path)
}

#[cfg(target_os = "linux")]
fn owned_by_me(uid: u32) -> bool {
    uid == rustix::process::geteuid().as_raw()
}

/// Elsewhere the mode check stands alone.
#[cfg(not(target_os = "linux"))]
fn owned_by_me(_uid: u32) -> bool {
    true
}

/// Feeds `Hash` output into a SHA-256.
struct DigestHasher<'a>(&'a mut Sha256);

impl Hasher for DigestHasher<'_> {
    fn finish(&self) -> u64 {
        // Only `write` matters here; the digest is read by the owner.
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, CompileCache) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cache = CompileCache::open(dir.path()).expect("the cache opens");
        (dir, cache)
    }

    #[test]
    fn an_entry_comes_back_as_written() {
        let (_dir, cache) = cache();
        let entry = cache.entry_path(b"component", 7u64);
        assert_eq!(cache.get(&entry).expect("readable"), None);
        cache.put(&entry, b"compiled code").expect("written");
        assert_eq!(
            cache.get(&entry).expect("readable").as_deref(),
            Some(&b"compiled code"[..])
        );
    }

    #[test]
    fn entries_depend_on_content_and_engine() {
        let (_dir, cache) = cache();
        let a = cache.entry_path(b"component", 7u64);
        assert_eq!(a, cache.entry_path(b"component", 7u64));
        assert_ne!(a, cache.entry_path(b"component!", 7u64));
        assert_ne!(a, cache.entry_path(b"component", 8u64));
    }

    #[test]
    fn an_altered_or_foreign_entry_is_never_returned() {
        let (dir, cache) = cache();
        let entry = cache.entry_path(b"component", 1u64);
        cache.put(&entry, b"compiled code").expect("written");

        // One bit flipped in the code.
        let mut data = fs::read(&entry).expect("readable");
        let last = data.len() - 1;
        data[last] ^= 1;
        fs::write(&entry, &data).expect("writable");
        assert_eq!(cache.get(&entry).expect("readable"), None);

        // A whole entry made with another key (another cache, another user).
        let other_dir = tempfile::tempdir().expect("a temporary folder");
        let other = CompileCache::open(other_dir.path()).expect("the cache opens");
        let foreign = other.entry_path(b"component", 1u64);
        other.put(&foreign, b"compiled code").expect("written");
        fs::copy(&foreign, &entry).expect("copied");
        assert_eq!(cache.get(&entry).expect("readable"), None);

        // A valid entry renamed to stand for another component.
        let second = cache.entry_path(b"other component", 1u64);
        cache.put(&second, b"other code").expect("written");
        fs::copy(&second, &entry).expect("copied");
        assert_eq!(cache.get(&entry).expect("readable"), None);

        // Cut short by one byte.
        cache.put(&entry, b"compiled code").expect("written");
        let whole = fs::read(&entry).expect("readable");
        fs::write(&entry, &whole[..whole.len() - 1]).expect("writable");
        assert_eq!(cache.get(&entry).expect("readable"), None);

        // The wrong layout, and a link in the entry's place.
        fs::write(&entry, &MAGIC[..4]).expect("writable");
        assert_eq!(cache.get(&entry).expect("readable"), None);
        fs::remove_file(&entry).expect("removable");
        std::os::unix::fs::symlink(&second, &entry).expect("a link");
        assert!(cache.get(&entry).is_err() || cache.get(&entry).expect("readable").is_none());
        drop(dir);
    }

    #[test]
    fn the_cache_drops_what_was_used_longest_ago() {
        let (_dir, cache) = cache();
        let old = cache.entry_path(b"old", 1u64);
        let used = cache.entry_path(b"used", 1u64);
        cache.put(&old, &[0; 100]).expect("written");
        cache.put(&used, &[0; 100]).expect("written");
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in [&old, &used] {
            File::options()
                .write(true)
                .open(entry)
                .and_then(|f| f.set_modified(long_ago))
                .expect("mtime set");
        }
        // Reading `used` makes it the newest; trimming to one entry keeps it.
        assert!(cache.get(&used).expect("readable").is_some());
        cache.trim(150 + (MAGIC.len() + TAG_LEN) as u64);
        assert!(!old.exists());
        assert!(cache.get(&used).expect("readable").is_some());
    }

    #[test]
    fn the_key_survives_reopening_and_must_be_private() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let first = CompileCache::open(dir.path()).expect("the cache opens");
        let entry = first.entry_path(b"component", 1u64);
        first.put(&entry, b"code").expect("written");
        let again = CompileCache::open(dir.path()).expect("the cache opens again");
        assert_eq!(
            again.get(&entry).expect("readable").as_deref(),
            Some(&b"code"[..])
        );

        let key = dir.path().join("key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(
            CompileCache::open(dir.path()),
            Err(CacheError::NotPrivate { .. })
        ));
    }

    /// A private folder (mode 0700) at `path`.
    fn private_folder(path: &Path) {
        fs::DirBuilder::new()
            .mode(0o700)
            .create(path)
            .expect("a folder");
    }

    /// A FIFO at `path`, mode 0600.
    fn fifo(path: &Path) {
        let made = std::process::Command::new("mkfifo")
            .args(["-m", "600"])
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo {}", path.display());
    }

    /// Runs `work` on a thread and fails the test if it has not finished
    /// within ten seconds, instead of hanging. `fifo` is the FIFO the work
    /// might block on: opening it for writing releases a blocked reader.
    fn without_blocking<T: Send + 'static>(
        fifo: &Path,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(work());
        });
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(result) => result,
            Err(_) => {
                let _ = OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(fifo);
                panic!("blocked on the FIFO at {}", fifo.display());
            }
        }
    }

    #[test]
    fn a_components_folder_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cache = dir.path().join("cache");
        let elsewhere = dir.path().join("elsewhere");
        private_folder(&cache);
        private_folder(&elsewhere);
        std::os::unix::fs::symlink(&elsewhere, cache.join("components")).expect("a link");
        match CompileCache::open(&cache) {
            Err(CacheError::NotPrivate { path }) => assert_eq!(path, cache.join("components")),
            other => panic!("{other:?}"),
        }
        // The cache folder itself as a link to a private folder.
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&elsewhere, &linked).expect("a link");
        match CompileCache::open(&linked) {
            Err(CacheError::NotPrivate { path }) => assert_eq!(path, linked),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_components_folder_open_to_group_or_others_is_refused() {
        for mode in [0o770, 0o702, 0o777] {
            let dir = tempfile::tempdir().expect("a temporary folder");
            CompileCache::open(dir.path()).expect("the cache opens");
            let components = dir.path().join("components");
            fs::set_permissions(&components, fs::Permissions::from_mode(mode)).expect("chmod");
            match CompileCache::open(dir.path()) {
                Err(CacheError::NotPrivate { path }) => assert_eq!(path, components, "{mode:o}"),
                other => panic!("{mode:o}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_key_that_is_not_a_plain_private_file_of_32_bytes_is_refused() {
        let refused = |prepare: &dyn Fn(&Path)| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            private_folder(&dir.path().join("components"));
            prepare(&dir.path().join("key"));
            matches!(
                CompileCache::open(dir.path()),
                Err(CacheError::NotPrivate { .. })
            )
        };
        let key_file = |len: usize, mode: u32| {
            move |key: &Path| {
                fs::write(key, vec![7; len]).expect("writable");
                fs::set_permissions(key, fs::Permissions::from_mode(mode)).expect("chmod");
            }
        };
        // The control: a key of the right size and mode is taken.
        assert!(!refused(&key_file(KEY_LEN, 0o600)));
        for len in [0, KEY_LEN - 1, KEY_LEN + 1, 4096] {
            assert!(refused(&key_file(len, 0o600)), "{len} bytes");
        }
        for mode in [0o640, 0o620, 0o604, 0o602] {
            assert!(refused(&key_file(KEY_LEN, mode)), "mode {mode:o}");
        }
        assert!(refused(&|key: &Path| private_folder(key)), "a folder");
    }

    #[test]
    fn a_key_that_is_a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        private_folder(&dir.path().join("components"));
        let key = dir.path().join("key");
        fifo(&key);
        let cache = dir.path().to_path_buf();
        let opened = without_blocking(&key, move || CompileCache::open(&cache).map(drop));
        assert!(
            matches!(opened, Err(CacheError::NotPrivate { .. })),
            "{opened:?}"
        );
    }

    #[test]
    fn an_entry_that_is_a_fifo_is_skipped_without_blocking() {
        let (_dir, cache) = cache();
        let entry = cache.entry_path(b"component", 1u64);
        fifo(&entry);
        let read = without_blocking(&entry.clone(), move || {
            cache.get(&entry).map_err(|err| err.to_string())
        });
        assert_eq!(read, Ok(None));
    }

    #[test]
    fn a_new_entry_replaces_a_link_in_its_place_and_writes_nothing_through_it() {
        let (dir, cache) = cache();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"the user's file").expect("writable");
        let entry = cache.entry_path(b"component", 1u64);
        std::os::unix::fs::symlink(&victim, &entry).expect("a link");
        cache.put(&entry, b"compiled code").expect("written");
        assert_eq!(fs::read(&victim).expect("readable"), b"the user's file");
        assert!(
            fs::symlink_metadata(&entry)
                .expect("the entry")
                .file_type()
                .is_file()
        );
        assert_eq!(
            cache.get(&entry).expect("readable").as_deref(),
            Some(&b"compiled code"[..])
        );
    }

    #[test]
    fn a_key_that_is_a_link_or_a_folder_open_to_others_is_refused() {
        // A link to a private file of the user's whose first bytes are known
        // would hand out the key.
        let dir = tempfile::tempdir().expect("a temporary folder");
        let known = dir.path().join("known");
        fs::write(&known, [b'-'; KEY_LEN]).expect("writable");
        fs::set_permissions(&known, fs::Permissions::from_mode(0o600)).expect("chmod");
        let cache = dir.path().join("cache");
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&cache)
            .expect("a folder");
        std::os::unix::fs::symlink(&known, cache.join("key")).expect("a link");
        assert!(CompileCache::open(&cache).is_err());

        // A folder others may write to.
        let open = dir.path().join("open");
        fs::create_dir(&open).expect("a folder");
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(matches!(
            CompileCache::open(&open),
            Err(CacheError::NotPrivate { .. })
        ));
    }
}
