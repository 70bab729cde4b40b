//! Utility workers forked with options (Electron's `utilityProcess.fork`
//! options): arguments, environment, working directory, stdio, service
//! name, memory cap and restart policy. Both isolation modes.

use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, eventually, manifest_with_windows};

fn start() -> (Running, std::path::PathBuf) {
    let manifest = format!(
        "{}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\nread-dirs = [\"data\"]\n",
        manifest_with_windows(&[("a", ALL_CHANNELS)])
    );
    let dir = AppDir::new(&manifest);
    dir.write("data/note.txt", "a note");
    let root = dir.path().to_path_buf();
    (Running::start(dir).expect("the app starts"), root)
}

fn wait_message(app: &Running, entry: &str) -> String {
    app.wait_invoke("a", "messages", entry)
}

#[test]
fn fork_options_reach_the_utility() {
    let (app, _root) = start();
    let spec = "calc|args=one two;env=COLOUR:blue;cwd=data;service=svc;stdio=pipe";
    assert_eq!(app.invoke("a", "fork-with", spec), "ok:svc");
    wait_message(&app, "spawn|svc|0");
    let seen = app.invoke("a", "utility-invoke", "svc|env|");
    assert!(seen.contains("one two"), "{seen}");
    assert!(seen.contains("COLOUR=blue"), "{seen}");
    // The working directory is the granted folder: relative paths resolve there.
    assert_eq!(
        app.invoke("a", "utility-invoke", "svc|read|note.txt"),
        "ok:ok:read:a note"
    );
    // Piped output reaches main, line by line, per stream.
    assert_eq!(
        app.invoke("a", "utility-invoke", "svc|print|hello there"),
        "ok:ok:printed"
    );
    wait_message(&app, "output|svc|stdout|hello there");
    wait_message(&app, "output|svc|stderr|hello there");
}

#[test]
fn output_beyond_its_rate_is_dropped_and_counted() {
    let (app, _root) = start();
    assert_eq!(app.invoke("a", "fork-with", "calc|stdio=pipe"), "ok:calc");
    wait_message(&app, "spawn|calc|0");
    // 8 MiB of lines at once, eight times the output allowed in a second:
    // most are dropped, and the next line that fits says how many were.
    assert_eq!(
        app.invoke("a", "utility-invoke", "calc|spew|8192"),
        "ok:ok:spewed"
    );
    let told = |app: &Running| app.invoke("a", "messages", "").contains("output lines (");
    wasmtron_tests::eventually("the dropped lines told", || {
        // Lines fit again as the allowance refills.
        let _ = app.invoke("a", "utility-invoke", "calc|print|after");
        told(&app)
    });
    let messages = app.invoke("a", "messages", "");
    let spewed = messages.matches("output|calc|stdout|sss").count();
    assert!(spewed < 8192, "{spewed} of 8192 lines reached main");
}

#[test]
fn unusable_fork_options_are_named() {
    let (app, _root) = start();
    for spec in [
        "calc|cwd=elsewhere",
        "calc|mem=99999999999999",
        "calc|service=bad name",
    ] {
        let reply = app.invoke("a", "fork-with", spec);
        assert!(reply.contains("BadOption"), "{spec}: {reply}");
    }
    assert_eq!(app.invoke("a", "fork-with", "calc|service=one"), "ok:one");
    let taken = app.invoke("a", "fork-with", "calc|service=one");
    assert!(
        taken.contains("BadOption") && taken.contains("in use"),
        "{taken}"
    );
}

#[test]
fn a_failing_utility_restarts_up_to_its_limit_and_a_killed_one_stays_down() {
    let (app, _root) = start();
    assert_eq!(app.invoke("a", "fork-with", "calc|restart=2:20"), "ok:calc");
    wait_message(&app, "spawn|calc|0");
    for attempt in 1..=2 {
        let reply = app.invoke("a", "utility-invoke", "calc|trap|");
        assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
        wait_message(&app, &format!("spawn|calc|{attempt}"));
        // The same handle reaches the new worker.
        assert_eq!(
            app.invoke("a", "utility-invoke", "calc|echo|back"),
            "ok:ok:back"
        );
    }
    // The third failure is one too many: it stays down.
    let reply = app.invoke("a", "utility-invoke", "calc|trap|");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let mut gone = String::new();
    eventually("three crashes reported", || {
        gone = app.invoke("a", "gone", "");
        gone.matches("utility|calc|crashed:").count() == 3
    });
    let late = app.invoke("a", "utility-post", "calc|anyone");
    assert!(late.starts_with("ok:err:target-gone:"), "{late}");
    // Longer than any backoff it could have scheduled (20 ms doubled twice).
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(!app.invoke("a", "messages", "").contains("spawn|calc|3"));

    // Main's kill is not a failure: no restart.
    assert_eq!(
        app.invoke("a", "fork-with", "calc|restart=5:20;service=k"),
        "ok:k"
    );
    wait_message(&app, "spawn|k|0");
    assert_eq!(app.invoke("a", "utility-kill", "k"), "ok:true");
    eventually("the kill reported", || {
        app.invoke("a", "gone", "").contains("utility|k|killed:")
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(app.invoke("a", "utility-pid", "k"), "ok:none");
    assert!(!app.invoke("a", "messages", "").contains("spawn|k|1"));
}

#[test]
fn forks_beyond_the_instance_limits_are_refused_by_name_until_one_ends() {
    // Two utilities of the same component: `calc` may run twice, and the
    // app three utilities in all.
    let manifest = manifest_with_windows(&[("a", ALL_CHANNELS)]).replacen(
        "name = \"probe\"\n",
        "name = \"probe\"\nmax-utility-instances = 3\n",
        1,
    ) + "\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\nmax-instances = 2\n\
         \n[[utility]]\nname = \"other\"\ncomponent = \"dist/utility.wasm\"\n";
    let app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc#2");
    let refused = app.invoke("a", "fork", "calc");
    assert!(
        refused.contains("Failed") && refused.contains("`max-instances`"),
        "{refused}"
    );
    assert_eq!(app.invoke("a", "fork", "other"), "ok:other");
    let refused = app.invoke("a", "fork", "other");
    assert!(
        refused.contains("Failed") && refused.contains("`max-utility-instances`"),
        "{refused}"
    );
    // The refused forks started nothing, and the running ones still work.
    assert_eq!(
        app.invoke("a", "utility-invoke", "calc#2|echo|still here"),
        "ok:ok:still here"
    );
    // Once one ends (main hears it), its place is free again.
    assert_eq!(app.invoke("a", "utility-kill", "calc"), "ok:true");
    app.wait_invoke("a", "gone", "utility|calc|");
    assert_eq!(app.invoke("a", "fork", "other"), "ok:other#2");
}
