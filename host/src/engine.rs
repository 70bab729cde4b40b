//! The wasmtime engine and the components it has compiled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::Context as _;
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
}

/// One wasmtime engine for the whole host, with compiled components cached
/// by path and modification time (opening the same window twice compiles its
/// renderer once).
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    compiled: Arc<Mutex<HashMap<PathBuf, (SystemTime, Component)>>>,
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
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        let inner = wasmtime::Engine::new(&config)
            .map_err(anyhow::Error::from)
            .context("cannot create the wasmtime engine")?;
        Ok(Engine {
            inner,
            compiled: Arc::default(),
        })
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
            return Ok(component);
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let component = self.compile(path, &bytes)?;
        if let Ok(mut compiled) = self.compiled.lock() {
            compiled.insert(path.to_path_buf(), (modified, component.clone()));
        }
        Ok(component)
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
