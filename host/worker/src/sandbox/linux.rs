//! The sandbox on Linux: `no_new_privs`, resource limits, Landlock, seccomp.

use std::path::Path;

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, LandlockStatus, PathBeneath, PathFd,
    RestrictSelfAttr, RestrictionStatus, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetError,
    RulesetStatus, Scope, make_bitflags,
};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use super::{Layer, Policy, Report, seccomp};

/// The newest Landlock ABI whose rights the worker asks for. The `landlock`
/// crate drops what the running kernel does not know (best effort), so a
/// newer ABI here only adds restrictions on newer kernels.
const REQUESTED_ABI: ABI = ABI::V10;

/// The oldest Landlock ABI under which every restriction this layer is
/// meant to give holds; older kernels get a [`Layer::Partial`] saying what
/// is missing. Later ABIs (pathname Unix sockets in ABI 9) are welcome but
/// covered by seccomp's ban on `socket` when absent.
const BASELINE_ABI: ABI = ABI::V6;

/// See [`super::apply`]. The order matters: limits and `no_new_privs` first,
/// then Landlock (which still needs to open the granted directories), and
/// seccomp last, so that its allow-list need not include the calls that set
/// up the other layers.
pub(super) fn apply(policy: &Policy) -> Report {
    let rlimits = rlimits(policy);
    let no_new_privs = match rustix::thread::set_no_new_privs(true) {
        Ok(()) => Layer::Applied,
        Err(err) => Layer::Unavailable(format!("prctl(PR_SET_NO_NEW_PRIVS) failed: {err}")),
    };
    let landlock = landlock(policy);
    let seccomp = match seccomp::install(policy) {
        Ok(()) => Layer::Applied,
        Err(why) => Layer::Unavailable(why),
    };
    Report {
        no_new_privs,
        rlimits,
        landlock,
        seccomp,
    }
}

/// Lowers the address-space and open-file limits and turns core dumps off.
///
/// Soft and hard limits are both lowered, so the guest cannot raise them
/// back (seccomp also refuses `prlimit64` with a new value). A limit already
/// below the policy's stays where it is.
///
/// `RLIMIT_NPROC` is left alone: it counts every process and thread of the
/// user, not of this worker, root ignores it, and seccomp already refuses
/// `fork`, so it would only risk starving wasmtime's and tokio's threads.
fn rlimits(policy: &Policy) -> Layer {
    let limits = [
        (Resource::As, "RLIMIT_AS", policy.address_space_bytes),
        (Resource::Nofile, "RLIMIT_NOFILE", policy.max_open_files),
        (Resource::Core, "RLIMIT_CORE", 0),
    ];
    let failures: Vec<String> = limits
        .into_iter()
        .filter_map(|(resource, name, value)| {
            lower_limit(resource, value)
                .err()
                .map(|err| format!("cannot set {name} to {value}: {err}"))
        })
        .collect();
    if failures.is_empty() {
        Layer::Applied
    } else if failures.len() == limits.len() {
        Layer::Unavailable(failures.join("; "))
    } else {
        Layer::Partial(failures.join("; "))
    }
}

fn lower_limit(resource: Resource, value: u64) -> rustix::io::Result<()> {
    // `None` is RLIM_INFINITY: no ceiling yet.
    let current = getrlimit(resource);
    let lowered = |old: Option<u64>| Some(old.map_or(value, |old| old.min(value)));
    setrlimit(
        resource,
        Rlimit {
            current: lowered(current.current),
            maximum: lowered(current.maximum),
        },
    )
}

/// Confines access by path to the granted directories, denies TCP bind and
/// connect, and scopes abstract Unix sockets and signals to the sandbox.
///
/// Every file-system right the kernel knows is *handled*, which means denied
/// unless a rule grants it; rules exist only for the granted directories.
/// Read-only grants get reading files and listing directories. Read-write
/// grants get everything a WASI file system needs (write, create, remove,
/// rename, link, symlink, truncate) but not executing files, creating
/// device nodes, sockets or FIFOs, nor device ioctls: no WASI call needs
/// them, and as root a device node in a writable directory would open the
/// raw disk.
///
/// Landlock does not cover reading metadata (`stat`, `readlink`, `access`)
/// or changing timestamps; seccomp allows those calls only when there are
/// grants.
fn landlock(policy: &Policy) -> Layer {
    let abi = REQUESTED_ABI;
    let read = AccessFs::from_read(abi) & !BitFlags::from(AccessFs::Execute);
    let read_write = AccessFs::from_all(abi)
        & !make_bitflags!(AccessFs::{
            Execute | MakeChar | MakeBlock | MakeSock | MakeFifo | IoctlDev | ResolveUnix
        });

    // Threads that exist now keep their old credentials unless the kernel
    // can restrict all threads at once (ABI 8).
    let other_threads = std::fs::read_dir("/proc/self/task")
        .map(|tasks| tasks.count().saturating_sub(1))
        .unwrap_or(0);

    let mut unopened = Vec::new();
    let mut grant = |dir: &Path| match PathFd::new(dir) {
        Ok(fd) => Some(fd),
        Err(err) => {
            unopened.push(format!(
                "grant `{}` could not be opened ({err}); access beneath it is denied",
                dir.display()
            ));
            None
        }
    };
    let mut rules = Vec::new();
    for dir in &policy.read_only_dirs {
        rules.extend(grant(dir).map(|fd| PathBeneath::new(fd, read)));
    }
    for dir in &policy.read_write_dirs {
        rules.extend(grant(dir).map(|fd| PathBeneath::new(fd, read_write)));
    }

    let enforce = || -> Result<RestrictionStatus, RulesetError> {
        Ruleset::default()
            .handle_access(AccessFs::from_all(abi))?
            .handle_access(AccessNet::from_all(abi))?
            .scope(Scope::from_all(abi))?
            .create()?
            .add_rules(rules.into_iter().map(Ok::<_, RulesetError>))?
            .all_threads(true)?
            .restrict_self()
    };
    let status = match enforce() {
        Ok(status) => status,
        Err(err) => return Layer::Unavailable(format!("cannot enforce the ruleset: {err}")),
    };

    let effective_abi = match status.landlock {
        LandlockStatus::NotEnabled => {
            return Layer::Unavailable(
                "the kernel has Landlock but it is off (add `landlock` to the `lsm=` boot \
                 parameter)"
                    .to_owned(),
            );
        }
        LandlockStatus::NotImplemented => {
            return Layer::Unavailable("the kernel was built without Landlock".to_owned());
        }
        LandlockStatus::Available { effective_abi, .. } => effective_abi,
    };
    if status.ruleset == RulesetStatus::NotEnforced {
        return Layer::Unavailable(format!(
            "the ruleset was not enforced (kernel Landlock ABI {effective_abi:?})"
        ));
    }

    let mut gaps = missing_rights(effective_abi);
    if !status.all_threads && other_threads > 0 {
        gaps.push(format!(
            "{other_threads} thread(s) started before the sandbox are not confined (restricting \
             all threads needs Landlock ABI 8, the kernel has {effective_abi:?})"
        ));
    }
    gaps.extend(unopened);
    if gaps.is_empty() {
        Layer::Applied
    } else {
        Layer::Partial(gaps.join("; "))
    }
}

/// What a kernel below [`BASELINE_ABI`] cannot restrict.
fn missing_rights(abi: ABI) -> Vec<String> {
    if abi >= BASELINE_ABI {
        return Vec::new();
    }
    let missing = [
        (
            ABI::V2,
            "linking and renaming across directories is always denied",
        ),
        (ABI::V3, "truncating files is not confined"),
        (ABI::V4, "TCP bind/connect is not confined"),
        (ABI::V5, "device ioctls are not confined"),
        (ABI::V6, "abstract Unix sockets and signals are not scoped"),
    ];
    let what: Vec<&str> = missing
        .into_iter()
        .filter(|(since, _)| abi < *since)
        .map(|(_, what)| what)
        .collect();
    vec![format!("kernel Landlock ABI {abi:?}: {}", what.join(", "))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_from_the_baseline_miss_nothing() {
        assert!(missing_rights(ABI::V6).is_empty());
        assert!(missing_rights(ABI::V7).is_empty());
    }

    #[test]
    fn older_kernels_say_what_they_miss() {
        let [gap] = missing_rights(ABI::V3).try_into().expect("one line");
        assert!(gap.starts_with("kernel Landlock ABI V3: "), "{gap}");
        assert!(gap.contains("TCP"), "{gap}");
        assert!(!gap.contains("truncating"), "{gap}");
    }
}
