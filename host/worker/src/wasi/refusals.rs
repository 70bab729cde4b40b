//! What a component is refused at its WASI boundary, logged on the host
//! side by name, so that a user sees what was refused rather than the
//! guest's bare "os error 44".
//!
//! Three routes are watched:
//!
//! - **Paths outside the grants.** A guest's libc resolves a path against
//!   its preopened folders before calling the host; with none matching it
//!   fails on its own and the host never hears of it. So every component
//!   also gets a root folder (`/`): a path that names no grant reaches the
//!   host through it and is refused there, by name, with `access`. The
//!   folder is empty, read-only, and deleted as soon as it is opened, so
//!   even a call these checks missed finds nothing and can create nothing.
//! - **Paths a grant refuses**: `..` out of a granted folder, or a change in
//!   a read-only one.
//! - **Sockets and name lookups.** No component is granted the network;
//!   opening a socket or looking up a name is refused before the system is
//!   asked (in process isolation the OS sandbox would refuse it anyway,
//!   unnamed).
//!
//! Refusals are rate-limited per component like its output, with a count of
//! what was left out.

use std::os::unix::fs::MetadataExt as _;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemCtxView};
use wasmtime_wasi::p2::bindings::filesystem::types::{
    self as fs, DescriptorFlags, DescriptorStat, ErrorCode, HostDescriptor as _, OpenFlags,
    PathFlags,
};
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::ResolveAddressStream;
use wasmtime_wasi::p2::bindings::sockets::network::{self, ErrorCode as SocketErrorCode};
use wasmtime_wasi::p2::bindings::sockets::{tcp::TcpSocket, udp::UdpSocket};
use wasmtime_wasi::{WasiCtxView, WasiView};

use super::OutputSink;
use crate::bucket::{Allowance, Dropped};

/// Refusals logged per second per component, in bursts of as many; the
/// rest are counted and told with the next one logged.
pub const REFUSALS_PER_SECOND: f64 = 20.0;

/// Store data that can name what its component was refused.
pub trait Refusing: WasiView + 'static {
    fn refusals(&self) -> &Refusals;
}

/// What a component's refusals are logged with: its name, where its log
/// lines go, and which folder is its empty root.
#[derive(Debug, Clone)]
pub struct Refusals {
    component: Arc<str>,
    sink: OutputSink,
    /// The empty root folder's device and inode.
    root: Option<(u64, u64)>,
    /// The granted folders, as the component names them, for the message.
    granted: Arc<str>,
    /// A refusal a token.
    rate: Arc<Mutex<Allowance>>,
}

impl Refusals {
    pub(super) fn new(component: &str, sink: OutputSink, granted: &[String]) -> Self {
        let granted = if granted.is_empty() {
            "none".to_owned()
        } else {
            granted.join(", ")
        };
        Refusals {
            component: component.into(),
            sink,
            root: None,
            granted: granted.into(),
            rate: Arc::new(Mutex::new(Allowance::new(REFUSALS_PER_SECOND))),
        }
    }

    /// Makes an empty folder and preopens it read-only as `/`, then deletes
    /// it (the open descriptor keeps it, empty and closed to new entries).
    pub(super) fn add_empty_root(
        &mut self,
        builder: &mut wasmtime_wasi::WasiCtxBuilder,
    ) -> anyhow::Result<()> {
        let folder = tempfile::Builder::new()
            .prefix("wasmtron-root-")
            .tempdir()
            .context("cannot make the empty root folder")?;
        let meta = std::fs::metadata(folder.path()).context("cannot read the empty root folder")?;
        builder
            .preopened_dir(folder.path(), "/", wasmtime_wasi::FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .context("cannot open the empty root folder")?;
        folder
            .close()
            .context("cannot remove the empty root folder")?;
        self.root = Some((meta.dev(), meta.ino()));
        Ok(())
    }

    /// Logs `what`, unless over the rate.
    pub fn refuse(&self, what: &str) {
        let taken = match self.rate.lock() {
            Ok(mut rate) => rate.take(1.0, 0),
            Err(_) => return,
        };
        let Ok(dropped) = taken else {
            return;
        };
        if let Some(Dropped { count, .. }) = dropped {
            self.sink.refused(
                &self.component,
                &format!("{count} more refusals not logged: over {REFUSALS_PER_SECOND} a second"),
            );
        }
        self.sink.refused(&self.component, what);
    }

    /// Whether the folder `dir` is the empty root. (`fstat` proper: the
    /// worker's sandbox refuses `statx` without grants.)
    fn is_root(&self, dir: &std::fs::File) -> bool {
        match (self.root, rustix::fs::fstat(dir)) {
            (Some(root), Ok(stat)) => root == (stat.st_dev, stat.st_ino),
            _ => false,
        }
    }

    /// Refuses, by name, a path call on the empty root (the path named no
    /// grant): nothing under it is reachable, in either isolation mode.
    fn outside_grants(
        &self,
        table: &wasmtime::component::ResourceTable,
        rep: u32,
        call: &str,
        path: &str,
    ) -> Option<ErrorCode> {
        let folder = table.get(&Resource::<Descriptor>::new_borrow(rep));
        if !matches!(folder, Ok(Descriptor::Dir(dir)) if self.is_root(&dir.dir)) {
            return None;
        }
        let path = match path.trim_start_matches('/') {
            "." => "",
            path => path,
        };
        self.refuse(&format!(
            "{call} `/{path}`: outside the folders granted to it (granted: {})",
            self.granted
        ));
        Some(ErrorCode::Access)
    }

    /// Logs a path call a grant refused.
    fn failed_in_grant(&self, call: &str, path: &str, code: ErrorCode) {
        if matches!(
            code,
            ErrorCode::Access | ErrorCode::NotPermitted | ErrorCode::ReadOnly
        ) {
            self.refuse(&format!(
                "{call} `{path}` in a granted folder: {} (granted: {})",
                describe(code),
                self.granted
            ));
        }
    }
}

fn describe(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ReadOnly => "the folder is granted read-only",
        ErrorCode::NotPermitted => {
            "not permitted (it leaves the folder, or changes a read-only one)"
        }
        _ => "access denied",
    }
}

const FILESYSTEM: &str = "wasi:filesystem/types@0.2.12";
const TCP: &str = "wasi:sockets/tcp-create-socket@0.2.12";
const UDP: &str = "wasi:sockets/udp-create-socket@0.2.12";
const LOOKUP: &str = "wasi:sockets/ip-name-lookup@0.2.12";

/// Redefines, over what `wasmtime_wasi::p2::add_to_linker_async` linked,
/// the WASI calls whose refusals are logged: the same calls, watched.
///
/// # Errors
/// When the linker lacks the WASI interfaces.
pub fn watch_refusals<T: Refusing>(linker: &mut Linker<T>) -> anyhow::Result<()> {
    linker.allow_shadowing(true);
    let mut files = linker.instance(FILESYSTEM)?;
    files.func_wrap_async(
        "[method]descriptor.open-at",
        |mut store,
         (fd, path_flags, path, open_flags, flags): (
            Resource<Descriptor>,
            PathFlags,
            String,
            OpenFlags,
            DescriptorFlags,
        )| {
            Box::new(async move {
                let rep = fd.rep();
                let (refusals, mut view) = files_of(store.data_mut());
                if let Some(code) = refusals.outside_grants(view.table, rep, "open", &path) {
                    return Ok((Err(code),));
                }
                let result = view
                    .open_at(fd, path_flags, path.clone(), open_flags, flags)
                    .await;
                Ok((settle(&refusals, &mut view, result, "open", &path)?,))
            })
        },
    )?;
    files.func_wrap_async(
        "[method]descriptor.stat-at",
        |mut store, (fd, path_flags, path): (Resource<Descriptor>, PathFlags, String)| {
            Box::new(async move {
                let rep = fd.rep();
                let (refusals, mut view) = files_of(store.data_mut());
                if let Some(code) = refusals.outside_grants(view.table, rep, "stat", &path) {
                    return Ok((Err(code),));
                }
                let result: Result<DescriptorStat, _> =
                    view.stat_at(fd, path_flags, path.clone()).await;
                Ok((settle(&refusals, &mut view, result, "stat", &path)?,))
            })
        },
    )?;
    for (name, call) in [
        (
            "[method]descriptor.create-directory-at",
            "create a folder at",
        ),
        ("[method]descriptor.unlink-file-at", "remove"),
        (
            "[method]descriptor.remove-directory-at",
            "remove the folder",
        ),
    ] {
        files.func_wrap_async(
            name,
            move |mut store, (fd, path): (Resource<Descriptor>, String)| {
                Box::new(async move {
                    let rep = fd.rep();
                    let (refusals, mut view) = files_of(store.data_mut());
                    if let Some(code) = refusals.outside_grants(view.table, rep, call, &path) {
                        return Ok((Err(code),));
                    }
                    let result = match call {
                        "remove" => view.unlink_file_at(fd, path.clone()).await,
                        "remove the folder" => view.remove_directory_at(fd, path.clone()).await,
                        _ => view.create_directory_at(fd, path.clone()).await,
                    };
                    Ok((settle(&refusals, &mut view, result, call, &path)?,))
                })
            },
        )?;
    }

    refuse_socket::<T, TcpSocket>(linker, TCP, "create-tcp-socket", "a TCP socket")?;
    refuse_socket::<T, UdpSocket>(linker, UDP, "create-udp-socket", "a UDP socket")?;
    linker.instance(LOOKUP)?.func_wrap(
        "resolve-addresses",
        |store, (_network, name): (Resource<network::Network>, String)| {
            store.data().refusals().refuse(&format!(
                "look up `{name}`: no network access is granted to a component"
            ));
            let refused: Result<Resource<ResolveAddressStream>, SocketErrorCode> =
                Err(SocketErrorCode::PermanentResolverFailure);
            Ok((refused,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Refuses `function` (which makes a socket of type `S`), by name.
fn refuse_socket<T: Refusing, S: 'static>(
    linker: &mut Linker<T>,
    interface: &str,
    function: &str,
    kind: &'static str,
) -> anyhow::Result<()> {
    linker.instance(interface)?.func_wrap(
        function,
        move |store, (_family,): (network::IpAddressFamily,)| {
            store.data().refusals().refuse(&format!(
                "open {kind}: no network access is granted to a component"
            ));
            let refused: Result<Resource<S>, SocketErrorCode> = Err(SocketErrorCode::AccessDenied);
            Ok((refused,))
        },
    )?;
    Ok(())
}

/// A component's refusals, and its files.
fn files_of<T: Refusing>(state: &mut T) -> (Refusals, WasiFilesystemCtxView<'_>) {
    let refusals = state.refusals().clone();
    let WasiCtxView { ctx, table } = state.ctx();
    (
        refusals,
        WasiFilesystemCtxView {
            ctx: ctx.filesystem(),
            table,
        },
    )
}

/// Turns a filesystem result into what the guest gets (a trap stays a
/// trap), logging a refusal on the way.
fn settle<V>(
    refusals: &Refusals,
    view: &mut WasiFilesystemCtxView<'_>,
    result: Result<V, wasmtime_wasi::p2::FsError>,
    call: &str,
    path: &str,
) -> wasmtime::Result<Result<V, ErrorCode>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err) => {
            let code = fs::Host::convert_error_code(view, err)?;
            refusals.failed_in_grant(call, path, code);
            Ok(Err(code))
        }
    }
}
