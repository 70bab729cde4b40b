//! The host's log, captured, so a test can look for what was logged
//! (guest output, refusals).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Everything the host logs at INFO and above in this test process. The
/// first call installs the collector; a test binary that uses it may not
/// install another subscriber.
#[derive(Clone, Debug)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

/// The test process's captured log.
///
/// # Panics
/// When another global subscriber was installed first.
pub fn captured_log() -> CapturedLog {
    static LOG: OnceLock<CapturedLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = CapturedLog(Arc::new(Mutex::new(Vec::new())));
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        log
    })
    .clone()
}

impl CapturedLog {
    /// All of it so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the log")).into_owned()
    }

    /// Waits until a line holds every one of `parts`, and returns it.
    ///
    /// # Panics
    /// After 20 s without one, showing the log's last lines. (This bounds a
    /// hang; it is not a timing assertion.)
    pub fn wait_line(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if let Some(line) = text
                .lines()
                .find(|line| parts.iter().all(|part| line.contains(part)))
            {
                return line.to_owned();
            }
            if Instant::now() > deadline {
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                panic!(
                    "no log line with {parts:?}; the last lines:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
