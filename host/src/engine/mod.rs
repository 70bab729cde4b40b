//! The wasmtime engine and the components it has compiled.

mod cache;
mod precompiled;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub use cache::{CACHE_ENV, CacheError, CompileCache};
pub use precompiled::{Precompiled, PrecompiledError};
pub(crate) use wasmtron_worker::engine::{CpuBudget, Stopped};

use wasmtime::component::Component;

/// Why a component could not be loaded. Names the component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read component `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not a valid WebAssembly component: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    /// Not a regular file, or larger than a component may be.
    #[error("refused component: {0}")]
    File(#[from] crate::manifest::files::FileError),
}

/// The largest component file loaded: beyond any real one (a Python
/// component with its interpreter is about 40 MB).
pub const MAX_COMPONENT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a component file: a regular file that starts as WebAssembly does,
/// checked before the rest is read, of at most [`MAX_COMPONENT_BYTES`].
fn read_component(path: &Path) -> Result<Vec<u8>, LoadError> {
    use crate::manifest::files;
    use std::io::{Read, Seek};
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // One open file throughout: the file whose start was checked is the
    // one read.
    let (mut file, size) = files::open_regular(path)?;
    let mut magic = [0u8; 4];
    let read = file.read(&mut magic).map_err(io)?;
    if read < magic.len() || magic != *b"\0asm" {
        return Err(LoadError::Invalid {
            path: path.to_path_buf(),
            reason: "it does not start with the WebAssembly magic number".into(),
        });
    }
    file.rewind().map_err(io)?;
    Ok(files::read_opened(
        path,
        file,
        size,
        MAX_COMPONENT_BYTES,
        "a component",
    )?)
}

/// How a component was made ready by [`Engine::load`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compiled {
    /// Already loaded by this engine (same path, same modification time).
    InMemory,
    /// Loaded from the compile cache on disk.
    FromCache,
    /// Loaded from the components precompiled when the app was installed
    /// ([`Precompiled`]).
    Installed,
    /// Compiled now (and stored in the cache when there is one).
    Now,
}

/// What [`Engine::load_traced`] did and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct LoadReport {
    /// Where the compiled component came from.
    pub compiled: Compiled,
    /// The time the load took, reading the file included.
    pub elapsed: Duration,
    /// The component's size in bytes (0 when it came from memory).
    pub bytes: usize,
}

/// One wasmtime engine for the whole host, with compiled components cached
/// by path and modification time (opening the same window twice compiles its
/// renderer once), and on disk across launches when it has a
/// [`CompileCache`].
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    compiled: Arc<Mutex<HashMap<PathBuf, (SystemTime, Component)>>>,
    disk: Option<Arc<CompileCache>>,
    installed: Option<Arc<Precompiled>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// Creates the engine with the component model on.
    ///
    /// # Errors
    /// When wasmtime rejects the configuration (for example, an unsupported CPU).
    pub fn new() -> anyhow::Result<Self> {
        // The workers' configuration, here with Cranelift to compile for
        // them: what the host compiles, a worker loads.
        let inner = wasmtron_worker::engine::new()?;
        Ok(Engine {
            inner,
            compiled: Arc::default(),
            disk: None,
            installed: None,
        })
    }

    /// The engine with the compile cache in `dir` (see [`CompileCache`]).
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot be opened or is not private.
    pub fn with_cache(mut self, dir: &Path) -> Result<Self, CacheError> {
        self.disk = Some(Arc::new(CompileCache::open(dir)?));
        Ok(self)
    }

    /// The engine with the compile cache in its default folder
    /// ([`CompileCache::default_dir`]); without one, with a warning, when
    /// that cannot be opened.
    pub fn with_default_cache(self) -> Self {
        let Some(dir) = CompileCache::default_dir() else {
            return self;
        };
        match self.clone().with_cache(&dir) {
            Ok(engine) => engine,
            Err(err) => {
                tracing::warn!("{err}; components are compiled on every launch");
                self
            }
        }
    }

    /// The engine loading components first from `store`, the components
    /// precompiled when the app was installed.
    pub fn with_precompiled(mut self, store: Precompiled) -> Self {
        self.installed = Some(Arc::new(store));
        self
    }

    /// The compile cache's folder of entries, when there is one.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.disk.as_deref().map(CompileCache::entries)
    }

    /// The underlying wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner
    }

    /// Compiles the component at `path`, or returns the cached compilation.
    ///
    /// # Errors
    /// [`LoadError`] when the file is unreadable or not a valid component.
    pub fn load(&self, path: &Path) -> Result<Component, LoadError> {
        self.load_traced(path).map(|(component, _)| component)
    }

    /// [`Engine::load`], also saying where the component came from.
    ///
    /// # Errors
    /// [`LoadError`] when the file is unreadable or not a valid component.
    pub fn load_traced(&self, path: &Path) -> Result<(Component, LoadReport), LoadError> {
        let started = Instant::now();
        let io = |source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(io)?;
        if let Some((stamp, component)) = self.cached(path)
            && stamp == modified
        {
            let report = LoadReport {
                compiled: Compiled::InMemory,
                elapsed: started.elapsed(),
                bytes: 0,
            };
            return Ok((component, report));
        }
        let bytes = read_component(path)?;
        let installed = self
            .installed
            .as_deref()
            .and_then(|store| self.load_installed(store, path, &bytes));
        let (component, compiled) = match (installed, &self.disk) {
            (Some(component), _) => (component, Compiled::Installed),
            (None, Some(disk)) => self.through_cache(disk, path, &bytes)?,
            (None, None) => (self.compile_with_progress(path, &bytes)?, Compiled::Now),
        };
        if let Ok(mut cached) = self.compiled.lock() {
            cached.insert(path.to_path_buf(), (modified, component.clone()));
        }
        let report = LoadReport {
            compiled,
            elapsed: started.elapsed(),
            bytes: bytes.len(),
        };
        Ok((component, report))
    }

    /// Loads the component from the disk cache, or compiles and stores it.
    /// A cache that fails to read or write costs a compile, never a load.
    fn through_cache(
        &self,
        disk: &CompileCache,
        path: &Path,
        bytes: &[u8],
    ) -> Result<(Component, Compiled), LoadError> {
        let entry = disk.entry_path(bytes, self.inner.precompile_compatibility_hash());
        match disk.get(&entry) {
            Ok(Some(artifact)) => match self.deserialize_own(&artifact) {
                Ok(component) => return Ok((component, Compiled::FromCache)),
                Err(err) => tracing::warn!(
                    entry = %entry.display(),
                    "cannot load a compile cache entry ({err:#}); compiling again"
                ),
            },
            Ok(None) => {}
            Err(err) => tracing::warn!(
                entry = %entry.display(),
                "cannot read the compile cache ({err}); compiling"
            ),
        }
        let component = self.compile_with_progress(path, bytes)?;
        match component.serialize() {
            Ok(artifact) => {
                if let Err(err) = disk.put(&entry, &artifact) {
                    tracing::warn!(
                        entry = %entry.display(),
                        "cannot write the compile cache ({err}); the next launch compiles again"
                    );
                }
            }
            Err(err) => tracing::warn!("cannot serialize `{}`: {err:#}", path.display()),
        }
        Ok((component, Compiled::Now))
    }

    /// The component precompiled for `bytes` at install, when the store
    /// holds it and it loads; a failure costs a compile, never a load.
    fn load_installed(&self, store: &Precompiled, path: &Path, bytes: &[u8]) -> Option<Component> {
        let artifact = store.get(bytes, self.inner.precompile_compatibility_hash())?;
        // SAFETY: `Component::deserialize` trusts its input to be wasmtime's
        // own output. This is: `Precompiled::get` returns an entry only from
        // a store that root alone can write, all the way up, filled by the
        // installed host's `wasmtron precompile` (see `precompiled.rs`).
        // wasmtime still checks the engine's compatibility header.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize(&self.inner, &artifact) };
        match loaded {
            Ok(component) => {
                tracing::info!(
                    "loaded `{}` precompiled at install ({})",
                    path.file_name()
                        .unwrap_or(path.as_os_str())
                        .to_string_lossy(),
                    store.dir().display()
                );
                Some(component)
            }
            Err(err) => {
                tracing::warn!(
                    "cannot load `{}` precompiled at install ({err:#}); compiling",
                    path.display()
                );
                None
            }
        }
    }

    /// Loads compiled code that [`CompileCache::get`] returned.
    #[allow(unsafe_code)]
    fn deserialize_own(&self, artifact: &[u8]) -> anyhow::Result<Component> {
        // SAFETY: `Component::deserialize` trusts its input to be wasmtime's
        // own output. This is: `CompileCache::get` returns an entry only
        // when its HMAC, under the cache's private key, proves that this
        // host wrote it from `Component::serialize` (see `cache.rs`).
        // wasmtime still checks the engine's compatibility header.
        unsafe { Component::deserialize(&self.inner, artifact) }.map_err(anyhow::Error::from)
    }

    /// Compiles, saying so when it takes long: a JavaScript or Python
    /// component takes seconds the first time.
    fn compile_with_progress(&self, path: &Path, bytes: &[u8]) -> Result<Component, LoadError> {
        let name = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy();
        let started = Instant::now();
        let (done, waiting) = std::sync::mpsc::channel::<()>();
        let ticker = {
            let name = name.to_string();
            let size = bytes.len();
            let cached = self.disk.is_some();
            std::thread::Builder::new()
                .name("wasmtron-compile-progress".into())
                .spawn(move || progress(&name, size, cached, started, &waiting))
                .ok()
        };
        let compiled = self.compile(path, bytes);
        drop(done);
        if let Some(ticker) = ticker {
            let _ = ticker.join();
        }
        compiled
    }

    /// Compiles component bytes; `origin` names them in errors.
    ///
    /// # Errors
    /// [`LoadError::Invalid`] for anything that is not a valid component.
    pub fn compile(&self, origin: &Path, bytes: &[u8]) -> Result<Component, LoadError> {
        Component::new(&self.inner, bytes).map_err(|err| LoadError::Invalid {
            path: origin.to_path_buf(),
            reason: format!("{err:#}"),
        })
    }

    fn cached(&self, path: &Path) -> Option<(SystemTime, Component)> {
        self.compiled.lock().ok()?.get(path).cloned()
    }
}

/// How long a compile runs before the host says it is compiling, and how
/// often it says so again.
const PROGRESS_AFTER: Duration = Duration::from_millis(500);
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Reports a compile that takes long, until `done` is dropped.
fn progress(
    name: &str,
    size: usize,
    cached: bool,
    started: Instant,
    done: &std::sync::mpsc::Receiver<()>,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let megabytes = size as f64 / 1_048_576.0;
    if done.recv_timeout(PROGRESS_AFTER) != Err(RecvTimeoutError::Timeout) {
        return;
    }
    if cached {
        tracing::info!(
            "compiling `{name}` ({megabytes:.1} MB) for the first time; later launches load it from the compile cache"
        );
    } else {
        tracing::info!("compiling `{name}` ({megabytes:.1} MB); there is no compile cache");
    }
    while done.recv_timeout(PROGRESS_EVERY) == Err(RecvTimeoutError::Timeout) {
        tracing::info!(
            "still compiling `{name}` ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    tracing::info!(
        "compiled `{name}` in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
