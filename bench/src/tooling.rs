//! The app author's tools, timed with the installed-style `wasmtron` (its
//! worker beside it): `new` → build → first window painted; an app's first
//! launch with its components precompiled at install (what a `.deb`'s
//! launcher runs) beside its first launch from the app folder (compile
//! cache empty) and a warm one, on the same app in the same run; and
//! `wasmtron dev`: an edit to the page, and to the renderer's source, until
//! the change shows in the window.

use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};

use crate::display::Display;
use crate::paint::launch;
use crate::report::{Stats, Table};

const PATIENCE: Duration = Duration::from_secs(180);

/// Adds the tooling rows to `table`. `guests_target` is the cargo target
/// folder the apps' components build in (their dependencies compiled once,
/// by a first app that is not timed). The launches are taken `launches`
/// times each, in turns, and their medians reported.
pub fn measure(
    wasmtron: &Path,
    guests_target: &Path,
    launches: u32,
    table: &mut Table,
) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let display = Display::get()?;
    let tool = |dir: &Path, args: &[&str], cache: &Path| -> anyhow::Result<()> {
        let output = Command::new(wasmtron)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", guests_target)
            .env(wasmtron::CACHE_ENV, cache)
            .output()
            .with_context(|| format!("cannot run {}", wasmtron.display()))?;
        ensure!(
            output.status.success(),
            "wasmtron {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    };
    // Not timed: compiles the guest SDK's dependencies into the target.
    let warmup = tempfile::tempdir()?;
    tool(work.path(), &["new", "warmup"], warmup.path())?;
    tool(&work.path().join("warmup"), &["build"], warmup.path())?;

    // new → build → first window painted, compile cache empty at first.
    let cache = tempfile::tempdir()?;
    let started = Instant::now();
    tool(work.path(), &["new", "timed"], cache.path())?;
    let app = work.path().join("timed");
    tool(&app, &["build"], cache.path())?;
    let built = started.elapsed().as_secs_f64() * 1e3;
    let launched = launch(wasmtron, &[], &app, display.name(), cache.path())?;
    table.latency_ms(
        "new → build → first window painted (SDK's crates compiled before)",
        built + launched,
    );

    // Launches of the same app, in turns: the first from its folder (an
    // empty compile cache each time), a warm one, and the first with the
    // components precompiled at install (an empty cache each time).
    let (mut in_tree, mut warm, mut installed) = (Vec::new(), Vec::new(), Vec::new());
    let warm_cache = tempfile::tempdir()?;
    launch(wasmtron, &[], &app, display.name(), warm_cache.path())?;
    let store = precompile(wasmtron, &app, guests_target);
    if let Err(err) = &store {
        eprintln!("skipped the precompiled first launch: {err:#}");
    }
    for _ in 0..launches {
        let empty = tempfile::tempdir()?;
        in_tree.push(launch(wasmtron, &[], &app, display.name(), empty.path())?);
        warm.push(launch(
            wasmtron,
            &[],
            &app,
            display.name(),
            warm_cache.path(),
        )?);
        if let Ok(store) = &store {
            let empty = tempfile::tempdir()?;
            let options = [OsStr::new("--precompiled"), store.as_os_str()];
            installed.push(launch(
                wasmtron,
                &options,
                &app,
                display.name(),
                empty.path(),
            )?);
        }
    }
    table.latency_ms(
        "new app, first launch from its folder (compile cache empty)",
        Stats::of(&in_tree).p50,
    );
    table.latency_ms("new app, launch (compile cache warm)", Stats::of(&warm).p50);
    if let Ok(store) = store {
        table.latency_ms(
            "new app, first launch precompiled at install (as a .deb's launcher; cache empty)",
            Stats::of(&installed).p50,
        );
        let _ = std::fs::remove_dir_all(store);
    }

    let (page, renderer) = dev_edits(wasmtron, &app, guests_target)?;
    table.latency_ms("dev: page edited → shown", page);
    table.latency_ms("dev: renderer edited → rebuilt and shown", renderer);
    Ok(())
}

/// `precompile` into a store inside `under`, which with every folder above
/// it must be root's alone (the bench runs as root); the store.
fn precompile(wasmtron: &Path, app: &Path, under: &Path) -> anyhow::Result<PathBuf> {
    let store = under.join("bench-precompiled");
    let _ = std::fs::remove_dir_all(&store);
    let output = Command::new(wasmtron)
        .arg("precompile")
        .arg(app)
        .arg("--into")
        .arg(&store)
        .output()?;
    ensure!(
        output.status.success(),
        "precompile failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    wasmtron::Precompiled::open(&store)?;
    Ok(store)
}

/// `wasmtron dev --headless --automation` on `app`: milliseconds from
/// saving a page edit until the window shows it, and from saving a renderer
/// edit until the rebuilt renderer has changed the page.
fn dev_edits(wasmtron: &Path, app: &Path, guests_target: &Path) -> anyhow::Result<(f64, f64)> {
    let cache = tempfile::tempdir()?;
    let mut child = Command::new(wasmtron)
        .args(["dev", "--headless", "--automation"])
        .current_dir(app)
        .env("CARGO_TARGET_DIR", guests_target)
        .env(wasmtron::CACHE_ENV, cache.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().context("no stdin")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (lines, answers) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut count_text = || -> anyhow::Result<String> {
        writeln!(
            stdin,
            r##"{{"id":1,"cmd":"text","window":"main","selector":"#count"}}"##
        )?;
        let line = answers.recv_timeout(PATIENCE)?;
        let answer: serde_json::Value = serde_json::from_str(&line)?;
        Ok(answer["ok"].as_str().unwrap_or_default().to_owned())
    };
    let mut wait_for = |expected: &str| -> anyhow::Result<f64> {
        let started = Instant::now();
        while count_text()? != expected {
            if started.elapsed() > PATIENCE {
                bail!("dev never showed {expected:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(started.elapsed().as_secs_f64() * 1e3)
    };
    let result = (|| {
        wait_for("No greetings yet.")?;
        edit(app, "ui/index.html", "No greetings yet.", "Edited page.")?;
        let page = wait_for("Edited page.")?;
        edit(
            app,
            "renderer/src/lib.rs",
            "    fn on_event(",
            "    fn on_load(&mut self) {\n        let _ = dom::set_text(\"#count\", \"Edited renderer.\");\n    }\n\n    fn on_event(",
        )?;
        let renderer = wait_for("Edited renderer.")?;
        Ok((page, renderer))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn edit(app: &Path, file: &str, from: &str, to: &str) -> anyhow::Result<()> {
    let path: PathBuf = app.join(file);
    let text = std::fs::read_to_string(&path)?;
    ensure!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replace(from, to))?;
    Ok(())
}
