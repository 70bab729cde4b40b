//! The child's side. The current executable, started again with a hidden
//! first argument, serves one role on the socket that is its stdin.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufReader, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

/// The hidden first argument that makes an executable the child.
pub(crate) const CHILD_ARG: &str = "__wasmtron-raw-floor-child";

/// The byte a child sends first, as soon as it runs.
pub(crate) const READY: u8 = b'R';

/// What a child does with its socket after saying it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Reads messages of a 4-byte little-endian length and that many bytes,
    /// and writes each back whole.
    Echo,
    /// Reads streams of an 8-byte little-endian total and that many bytes,
    /// and answers each with the 8-byte count it read.
    Sink,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Echo => "echo",
            Self::Sink => "sink",
        }
    }

    fn from_name(name: &OsStr) -> Option<Self> {
        [Self::Echo, Self::Sink]
            .into_iter()
            .find(|role| OsStr::new(role.name()) == name)
    }
}

/// Serves as the child when this process was started as one, and says
/// whether it was.
///
/// A binary that uses this crate calls it early in `main`, before any work
/// of its own, and returns at once when it gives `true`: the process was
/// spawned by one of the measurements, has served it on its stdin, and is
/// done.
///
/// A child that fails (its parent hung up in the middle of a message, an
/// unknown role) prints why on stderr and exits with status 1 rather than
/// returning.
pub fn child_main_if_requested() -> bool {
    let Some(requested) = requested_role(std::env::args_os().skip(1)) else {
        return false;
    };
    if let Err(err) = requested.and_then(serve) {
        eprintln!("wasmtron-raw-floor child: {err}");
        std::process::exit(1);
    }
    true
}

/// `None` when `args` (without the program name) do not start with the
/// hidden argument; otherwise the role they name.
fn requested_role(mut args: impl Iterator<Item = OsString>) -> Option<io::Result<Role>> {
    if args.next()? != CHILD_ARG {
        return None;
    }
    let name = args.next().unwrap_or_default();
    Some(Role::from_name(&name).ok_or_else(|| {
        io::Error::other(format!("`{}` is not a child role", name.to_string_lossy()))
    }))
}

/// Serves `role` on stdin, which the parent made its end of a socket pair,
/// until the parent closes it.
pub(crate) fn serve(role: Role) -> io::Result<()> {
    let socket = UnixStream::from(io::stdin().as_fd().try_clone_to_owned()?);
    let mut writer = &socket;
    writer.write_all(&[READY])?;
    // Buffered reads let a small message's length and bytes arrive in one
    // system call; a read larger than the buffer bypasses it.
    let mut reader = BufReader::with_capacity(64 * 1024, &socket);
    match role {
        Role::Echo => echo(&mut reader, writer),
        Role::Sink => sink(&mut reader, writer),
    }
}

fn echo(reader: &mut impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut message = Vec::new();
    loop {
        let mut prefix = [0; 4];
        if !read_unless_ended(reader, &mut prefix)? {
            return Ok(());
        }
        let len = u32::from_le_bytes(prefix) as usize;
        message.resize(4 + len, 0);
        message[..4].copy_from_slice(&prefix);
        reader.read_exact(&mut message[4..])?;
        writer.write_all(&message)?;
    }
}

fn sink(reader: &mut impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut buffer = vec![0; 1 << 20];
    loop {
        let mut header = [0; 8];
        if !read_unless_ended(reader, &mut header)? {
            return Ok(());
        }
        let total = u64::from_le_bytes(header);
        let mut counted = 0;
        while counted < total {
            // Never read past this stream: the next header may follow it.
            let want = (total - counted).min(buffer.len() as u64) as usize;
            match reader.read(&mut buffer[..want]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the stream ended after {counted} of {total} bytes"),
                    ));
                }
                Ok(n) => counted += n as u64,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        writer.write_all(&counted.to_le_bytes())?;
    }
}

/// Fills `buf`, or gives `false` when the parent closed the socket before
/// its first byte: the clean end of a child's work.
fn read_unless_ended(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(true)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The one test the unit-test binary runs when it plays the child.
    pub(crate) const ENTRY: &str = "child::tests::serves_a_role_when_spawned_as_the_child";
    /// Names the role of a unit-test binary that plays the child.
    pub(crate) const ROLE_ENV: &str = "WASMTRON_RAW_FLOOR_CHILD_ROLE";

    /// Not a check of its own. libtest owns a test binary's `main`, so it
    /// cannot take the hidden argument; the tests of this crate start their
    /// child as this binary running only this test, with the role in
    /// [`ROLE_ENV`]. Run any other way, it does nothing.
    #[test]
    fn serves_a_role_when_spawned_as_the_child() {
        let Some(name) = std::env::var_os(ROLE_ENV) else {
            return;
        };
        let role = Role::from_name(&name).expect("the parent names a known role");
        serve(role).expect("the child serves its role");
    }

    fn args(list: &[&str]) -> impl Iterator<Item = OsString> {
        list.iter()
            .map(OsString::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn only_the_hidden_argument_makes_a_child() {
        assert!(requested_role(args(&[])).is_none());
        assert!(requested_role(args(&["--quick"])).is_none());
        assert!(requested_role(args(&["echo", CHILD_ARG])).is_none());
        assert_eq!(
            requested_role(args(&[CHILD_ARG, "echo"])).map(Result::ok),
            Some(Some(Role::Echo))
        );
        assert_eq!(
            requested_role(args(&[CHILD_ARG, "sink"])).map(Result::ok),
            Some(Some(Role::Sink))
        );
        let unknown = requested_role(args(&[CHILD_ARG, "juggle"])).map(|r| r.is_err());
        assert_eq!(unknown, Some(true));
        let missing = requested_role(args(&[CHILD_ARG])).map(|r| r.is_err());
        assert_eq!(missing, Some(true));
    }
}
