//! Typed calls between an app's components: an app WIT interface
//! (`probe:contracts/echo`, tests/guests/contracts-wit) exported by main, a
//! utility or a native provider, imported by renderers and main, bound in
//! the manifest, checked before start, and called with every kind of value.
//! Both isolation modes.

use std::sync::Arc;

use wasmtron::capabilities::contracts::NativeProvider;
use wasmtron::wire::value::Value;
use wasmtron::{AppError, Engine, Sender};
use wasmtron_tests::{
    AppDir, Running, builder, contracts_app, contracts_manifest, eventually, wasmtron_check,
};

/// The manifest of a contracts app: window `a` (and `b` when `two`) bound to
/// `window_provider`, main bound to utility `echo`; `extra` is appended.
fn manifest(window_provider: &str, two: bool, extra: &str) -> String {
    let labels: &[&str] = if two { &["a", "b"] } else { &["a"] };
    contracts_manifest(
        "dist/contract-renderer.wasm",
        labels,
        window_provider,
        extra,
    )
}

fn app_dir(manifest: &str) -> AppDir {
    contracts_app(manifest)
}

fn start(window_provider: &str) -> Running {
    Running::start(app_dir(&manifest(window_provider, false, ""))).expect("the app starts")
}

/// Every refusal the check finds for `manifest`, as text.
fn refusals(manifest: &str) -> Vec<String> {
    let dir = app_dir(manifest);
    let engine = Engine::new().expect("an engine");
    match wasmtron::check_with(&dir.manifest(), &engine, None) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_kind_of_value_round_trips_through_main_and_through_a_utility() {
    for provider in ["main", "utility:echo"] {
        let app = start(provider);
        assert_eq!(app.invoke("a", "echo", "a record"), "ok:same", "{provider}");
        assert_eq!(app.invoke("a", "echo", ""), "ok:same", "{provider}");
        let text = "héllo 🌍 — 漢字 \u{200d} \0 end";
        assert_eq!(app.invoke("a", "text", text), format!("ok:{text}"));
        assert_eq!(app.invoke("a", "text", ""), "ok:");
        assert_eq!(app.invoke("a", "bytes", "0"), "ok:0", "{provider}");
        assert_eq!(app.invoke("a", "bytes", "100000"), "ok:100000");
        assert_eq!(app.invoke("a", "caller", ""), "ok:window:a", "{provider}");
    }
}

#[test]
fn ports_move_with_a_call_and_with_its_results() {
    for provider in ["main", "utility:echo"] {
        let app = start(provider);
        // A port in the arguments: the provider keeps it and echoes on it.
        app.start_invoke("a", "port-keep", "ping");
        assert_eq!(app.result("a"), "echo:ping", "{provider}");
        // A port in the results: the provider keeps the other end.
        app.start_invoke("a", "port-new", "pong");
        assert_eq!(app.result("a"), "echo:pong", "{provider}");
        // The first port still works beside it.
        app.start_invoke("a", "port-new", "again");
        assert_eq!(app.result("a"), "echo:again", "{provider}");
    }
}

#[test]
fn lists_near_the_message_limit_cross_and_one_over_it_is_too_large() {
    let app = start("utility:echo");
    // One MiB, less the list's length and the result's tag.
    let fits = 1024 * 1024 - 8;
    assert_eq!(
        app.invoke("a", "bytes", &fits.to_string()),
        format!("ok:{fits}")
    );
    let over = app.invoke("a", "bytes", &(1024 * 1024 + 1).to_string());
    assert!(over.starts_with("err:too-large:"), "{over}");
    // The refused call cost nothing: the next one goes through.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}

#[test]
fn a_failed_call_comes_back_in_the_result_when_the_function_can_carry_it() {
    let app =
        Running::start(app_dir(&manifest("utility:echo", false, ""))).expect("the app starts");
    let trapped = app.invoke("a", "fail", "trap");
    assert!(trapped.starts_with("err:target-gone:"), "{trapped}");
    // The provider starts again for the next call.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
    let spun = app.invoke("a", "fail", "spin");
    assert!(spun.starts_with("err:target-gone:"), "{spun}");
    let huge = app.invoke("a", "fail", "huge");
    assert!(huge.starts_with("err:too-large:"), "{huge}");
    assert_eq!(app.invoke("a", "text", "still here"), "ok:still here");
}

#[test]
fn a_call_past_the_callers_timeout_is_a_timeout() {
    let manifest = manifest("utility:echo", false, "")
        .replace("max-message-bytes = 1048576", "invoke-timeout-ms = 400");
    let app = Running::start(app_dir(&manifest)).expect("the app starts");
    let late = app.invoke("a", "fail", "sleep");
    assert!(late.starts_with("err:timeout:"), "{late}");
    // The provider finishes its sleep, then answers again (asked with a
    // function that carries failures: until then, calls time out).
    eventually("the provider answering again", || {
        app.invoke("a", "bytes", "3") == "ok:3"
    });
    assert_eq!(app.invoke("a", "text", "after"), "ok:after");
}

#[test]
fn a_failure_the_result_cannot_carry_traps_the_caller_with_the_reason() {
    let app = start("utility:echo");
    app.start_invoke("a", "fail-bare", "trap");
    let reason = app.wait_until("a", "#wasmtron-crash-reason", |t| t.starts_with("crashed:"));
    assert!(
        reason.contains("probe:contracts/echo.fail-bare") && reason.contains("target-gone"),
        "{reason}"
    );
}

#[test]
fn main_calls_a_utility_that_provides_an_interface() {
    let app = start("main");
    assert_eq!(app.invoke("a", "relay", "caller"), "ok:main");
    assert_eq!(app.invoke("a", "relay", "text:plugin"), "ok:plugin");
    let failed = app.invoke("a", "relay", "fail:trap");
    assert!(failed.starts_with("ok:err:target-gone:"), "{failed}");
    // Main carries on, and so does the next call to the plugin.
    assert_eq!(app.invoke("a", "relay", "caller"), "ok:main");
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}

#[test]
fn a_utility_calls_main_and_main_sees_who_called() {
    let caller = "\n[[utility]]\nname = \"caller\"\ncomponent = \"dist/contract-caller.wasm\"\n\
                  [utility.imports]\n\"probe:contracts/echo\" = \"main\"\n";
    let app = Running::start(app_dir(&manifest("main", false, caller))).expect("starts");
    assert_eq!(app.invoke("a", "relay", "via-utility:caller"), "ok:posted");
    assert_eq!(
        app.invoke("a", "relay", "via-utility:text:from a utility"),
        "ok:posted"
    );
    eventually("main hearing both answers", || {
        app.invoke("a", "relay", "heard") == "ok:utility:caller,from a utility"
    });
}

#[test]
fn a_call_back_into_main_while_main_waits_on_the_caller_is_refused_at_once() {
    let caller = "\n[[utility]]\nname = \"caller\"\ncomponent = \"dist/contract-caller.wasm\"\n\
                  [utility.imports]\n\"probe:contracts/echo\" = \"main\"\n";
    let app = Running::start(app_dir(&manifest("main", false, caller))).expect("starts");
    // Main invokes the utility and waits; the utility's typed call to main
    // would wait on main. It is refused (not left to time out), and the
    // utility, whose `caller` cannot carry a failure, traps naming it.
    assert_eq!(
        app.invoke("a", "relay", "invoke-utility:caller"),
        "ok:err:target-gone"
    );
    let mut gone = String::new();
    eventually("the utility's end told to main", || {
        gone = app.invoke("a", "relay", "gone");
        gone.contains("utility|caller|crashed:")
    });
    assert!(gone.contains("would deadlock"), "{gone}");
    // Main is free again, and answers.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}

#[test]
fn several_renderers_call_at_once_each_in_its_own_order() {
    for provider in ["main", "utility:echo"] {
        let app = Running::start(app_dir(&manifest(provider, true, ""))).expect("starts");
        app.start_invoke("a", "burst", "300");
        app.start_invoke("b", "burst", "300");
        assert_eq!(app.result("a"), "ok:300", "{provider}");
        assert_eq!(app.result("b"), "ok:300", "{provider}");
        assert_eq!(app.invoke("b", "caller", ""), "ok:window:b");
    }
}

#[test]
fn a_provider_killed_mid_call_fails_the_call_and_the_next_one_starts_it_again() {
    if wasmtron_tests::isolation() != wasmtron::Isolation::Process {
        // A thread cannot be killed from outside; the trap test covers the
        // in-process provider that ends mid-call.
        return;
    }
    let app = start("utility:echo");
    // Started by the first call.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
    let pid = app
        .app
        .metrics()
        .into_iter()
        .find(|m| m.name == "echo:provider")
        .map(|m| m.pid)
        .expect("the provider runs in a process of its own");
    app.start_invoke("a", "fail", "sleep");
    // The call is in the provider (asleep) before it is killed.
    std::thread::sleep(std::time::Duration::from_millis(200));
    wasmtron_tests::kill_9(pid);
    let killed = app.result("a");
    assert!(killed.starts_with("err:target-gone:"), "{killed}");
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}

#[test]
fn an_import_with_no_provider_is_refused_naming_it() {
    let text = manifest("main", false, "").replace(
        "[window.imports]\n\"probe:contracts/echo\" = \"main\"\n",
        "",
    );
    let found = refusals(&text);
    assert!(
        found
            .iter()
            .any(|e| e.contains("`probe:contracts/echo@0.1.0`")
                && e.contains("no provider is bound")),
        "{found:?}"
    );
}

#[test]
fn a_provider_that_does_not_export_the_interface_is_refused() {
    let text = manifest(
        "utility:plain",
        false,
        "\n[[utility]]\nname = \"plain\"\ncomponent = \"dist/utility.wasm\"\n",
    );
    let found = refusals(&text);
    assert_eq!(
        found,
        vec![
            "refused app interface: window `a`'s renderer imports `probe:contracts/echo` from utility `plain`, which does not export it"
                .to_owned()
        ]
    );
}

#[test]
fn functions_whose_types_differ_are_refused_naming_both_types() {
    let text = manifest(
        "utility:odd",
        false,
        "\n[[utility]]\nname = \"odd\"\ncomponent = \"dist/contract-odd.wasm\"\n",
    );
    let found = refusals(&text);
    assert!(
        found.iter().any(|e| e.contains("`probe:contracts/echo.echo-text` as `func(text: string) -> string`, but utility `odd` exports it as `func(text: list<u8>) -> string`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|e| e.contains(
            "`probe:contracts/echo.echo` from utility `odd`, which does not export that function"
        )),
        "{found:?}"
    );
    // The function both agree on is not named.
    assert!(
        !found.iter().any(|e| e.contains("echo.caller")),
        "{found:?}"
    );
}

#[test]
fn bindings_to_undeclared_components_and_cycles_are_refused_by_the_manifest() {
    let undeclared = manifest("utility:nobody", false, "");
    let dir = app_dir(&undeclared);
    let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("utility `nobody`, which no `[[utility]]` declares"),
        "{err}"
    );
    let cycle = manifest(
        "main",
        false,
        "[utility.imports]\n\"probe:contracts/echo\" = \"main\"\n",
    );
    let dir = app_dir(&cycle);
    let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("cycle of providers that would deadlock: main → utility `echo` → main"),
        "{err}"
    );
}

#[test]
fn a_provider_replaced_on_disk_is_checked_again_before_it_starts() {
    let dir = app_dir(&manifest("utility:echo", false, ""));
    let root = dir.path().to_path_buf();
    let app = Running::start(dir).expect("the app starts");
    // The provider has not started yet (its first call starts it); its file
    // now holds one whose types differ.
    let odd = std::fs::read(root.join("dist/contract-odd.wasm")).expect("odd");
    std::fs::write(root.join("dist/contract-utility.wasm"), odd).expect("replaced");
    let refused = app.invoke("a", "bytes", "3");
    assert!(
        refused.starts_with("err:target-gone:") && refused.contains("refused app interface"),
        "{refused}"
    );
}

#[test]
fn a_provider_over_the_instance_quota_is_limit_exceeded() {
    // One utility instance at a time, and main's `caller` takes it.
    let text = manifest(
        "utility:echo",
        false,
        "\n[[utility]]\nname = \"caller\"\ncomponent = \"dist/contract-caller.wasm\"\n\
         [utility.imports]\n\"probe:contracts/echo\" = \"main\"\n",
    )
    .replace(
        "name = \"contracts\"\n",
        "name = \"contracts\"\nmax-utility-instances = 1\n",
    );
    let app = Running::start(app_dir(&text)).expect("starts");
    assert_eq!(app.invoke("a", "relay", "via-utility:caller"), "ok:posted");
    eventually("the caller's answer", || {
        app.invoke("a", "relay", "heard") == "ok:utility:caller"
    });
    let refused = app.invoke("a", "bytes", "3");
    assert!(
        refused.starts_with("err:limit-exceeded:") && refused.contains("max-utility-instances"),
        "{refused}"
    );
}

#[test]
fn a_binding_to_main_without_a_main_is_refused() {
    let text = manifest("main", false, "")
        .replace("[main]\ncomponent = \"dist/contract-main.wasm\"\n[main.imports]\n\"probe:contracts/echo\" = \"utility:echo\"\n", "");
    let dir = app_dir(&text);
    let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("binds it to main, but the manifest has no `[main]`"),
        "{err}"
    );
}

#[test]
fn start_refuses_what_the_check_refuses() {
    let text = manifest(
        "utility:odd",
        false,
        "\n[[utility]]\nname = \"odd\"\ncomponent = \"dist/contract-odd.wasm\"\n",
    );
    match Running::start(app_dir(&text)) {
        Err(AppError::Contract(err)) => assert!(err.to_string().contains("utility `odd`"), "{err}"),
        other => panic!("expected a refused contract, got {other:?}"),
    }
}

/// A native provider standing in for the utility: the same contract,
/// answered in Rust with the wire's values.
fn native_echo(engine: &Engine, component: &std::path::Path) -> NativeProvider {
    let interfaces = NativeProvider::interfaces_of(engine, component).expect("its exports");
    NativeProvider {
        interfaces,
        call: Arc::new(
            |caller: Sender, _interface, function: String, args: Vec<Value>| {
                Box::pin(async move {
                    Ok(match function.as_str() {
                        "caller" => vec![Value::String(format!("native for {caller}"))],
                        "echo-bytes" => {
                            vec![Value::Result(Ok(args.into_iter().next().map(Box::new)))]
                        }
                        _ => args,
                    })
                })
            },
        ),
    }
}

#[test]
fn a_native_provider_answers_typed_calls() {
    let dir = app_dir(&manifest("native:db", false, ""));
    let engine = Engine::new().expect("an engine");
    let native = native_echo(&engine, &dir.path().join("dist/contract-utility.wasm"));
    let windows = Arc::new(wasmtron::window::HeadlessBackend::new());
    let app = builder(dir.manifest(), windows.clone())
        .engine(engine)
        .native_provider("db", native)
        .start()
        .expect("the app starts");
    let app = Running::from_parts(app, windows, dir);
    app.wait_text("a", "#status", "loaded");
    assert_eq!(app.invoke("a", "echo", "natively"), "ok:same");
    assert_eq!(app.invoke("a", "text", "ü"), "ok:ü");
    assert_eq!(app.invoke("a", "bytes", "5000"), "ok:5000");
    assert_eq!(app.invoke("a", "caller", ""), "ok:native for window `a`");
    // Not registered: refused at start, naming it.
    let dir = app_dir(&manifest("native:db", false, ""));
    match Running::start(dir) {
        Err(AppError::Contract(err)) => assert!(
            err.to_string()
                .contains("native provider `db`, which this program did not register"),
            "{err}"
        ),
        other => panic!("expected a refused contract, got {other:?}"),
    }
}

#[test]
fn wasmtron_check_prints_every_binding_and_every_refusal() {
    let dir = app_dir(&manifest("utility:echo", false, ""));
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("window `a`'s renderer imports `probe:contracts/echo@0.1.0` from utility `echo` (types match)"),
        "{printed}"
    );
    assert!(
        printed.contains("main imports `probe:contracts/echo@0.1.0` from utility `echo`"),
        "{printed}"
    );
    assert!(
        printed.contains("    echo-text: func(text: string) -> string"),
        "{printed}"
    );
    assert!(
        printed.contains("import probe:contracts/echo@0.1.0 [app interface"),
        "{printed}"
    );

    let dir = app_dir(&manifest(
        "utility:odd",
        false,
        "\n[[utility]]\nname = \"odd\"\ncomponent = \"dist/contract-odd.wasm\"\n",
    ));
    let (code, printed) = wasmtron_check(dir.path());
    assert_ne!(code, Some(0), "{printed}");
    assert!(
        printed.contains("but utility `odd` exports it as"),
        "{printed}"
    );
    assert!(printed.contains("the app would not start"), "{printed}");
}

#[test]
fn forged_typed_calls_are_refused_by_name_and_the_provider_carries_on() {
    if wasmtron_tests::isolation() != wasmtron::Isolation::Process {
        // The forger is the test worker program's native probe, which runs
        // only in worker processes.
        return;
    }
    let hostile = "\n[[window]]\nlabel = \"hostile-calls\"\nrenderer = \"dist/contract-renderer.wasm\"\n\
         [window.imports]\n\"probe:contracts/echo\" = \"main\"\n";
    // Started without waiting for the forger's page, which never loads.
    let dir = app_dir(&manifest("main", false, hostile));
    let windows = Arc::new(wasmtron::window::HeadlessBackend::new());
    let started = builder(dir.manifest(), windows.clone()).start();
    let app = Running::from_parts(started.expect("the app starts"), windows, dir);
    app.wait_text("a", "#status", "loaded");
    // Every forged call refused as it should be: 1 | 2 | 4 | 8.
    eventually("the forger's exit", || {
        app.invoke("a", "relay", "gone")
            .contains("renderer|hostile-calls|abnormal-exit:115")
    });
    // Main, the provider, never ran them and goes on answering.
    assert_eq!(app.invoke("a", "echo", "after"), "ok:same");
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}
