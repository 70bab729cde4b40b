//! End to end through a real window: what docs/security.md ("Web content")
//! says a page cannot do, tried by page scripts in a WebKitGTK view on an X
//! server (the caller's, or an Xvfb of its own), set off by real pointer
//! clicks from `xdotool`.
//!
//! Each test writes a page into the app's `ui` folder: the probe page with a
//! few elements more and a `<script src>` of its own (scripts from the app's
//! files are what the policy allows). The page's script tries something
//! forbidden and writes what happened into an element, which the test reads
//! through `--automation`; what the host did about it is read from its log.
//!
//! Needs `Xvfb` and `xdotool` (`scripts/install-deps.sh`).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND};
use wasmtron_tests::{ALL_CHANNELS, AppDir, PROBE_PAGE, manifest_with_windows, wasmtron_binary};

/// How long a test waits for something that must not happen (a connection,
/// a frame's script, a navigation) after everything that could cause it has
/// been done. Not a timing assertion: what it waits for takes milliseconds
/// when it is let through.
const NOTHING_BOUND: Duration = Duration::from_secs(2);

/// An app folder with the test components, whose page is the probe page with
/// `extra` at the start of its body, and `files` (`(path in ui, contents)`)
/// beside it.
fn app_with_page(extra: &str, files: &[(&str, &str)]) -> AppDir {
    let app_dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let page = PROBE_PAGE.replacen("<body>", &format!("<body>{extra}"), 1);
    assert_ne!(page, PROBE_PAGE, "the probe page has a body");
    app_dir.write("ui/index.html", page);
    for (path, contents) in files {
        app_dir.write(&format!("ui/{path}"), contents);
    }
    app_dir
}

/// Starts the app in `app_dir` on `display`, waits for its page to load and
/// returns it with the X11 id of its window.
fn launch(app_dir: &AppDir, display: &Display) -> (AutomatedApp, u64) {
    let mut app = AutomatedApp::spawn(&wasmtron_binary(), app_dir.path(), display.name());
    // The renderer writes this through the bridge once the page loaded.
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    (app, window)
}

/// A TCP server on loopback that stands for any host a page would reach.
fn loopback_server() -> (TcpListener, String) {
    let server = TcpListener::bind("127.0.0.1:0").expect("a loopback listener");
    server.set_nonblocking(true).expect("non-blocking");
    let url = format!(
        "http://127.0.0.1:{}",
        server.local_addr().expect("an address").port()
    );
    (server, url)
}

/// Fails if anything connects to `server` within [`NOTHING_BOUND`].
fn assert_nothing_connects(server: &TcpListener, url: &str) {
    let deadline = Instant::now() + NOTHING_BOUND;
    while Instant::now() < deadline {
        if let Ok((_, from)) = server.accept() {
            panic!("web content opened a connection to {url} (from {from})");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn quit(mut app: AutomatedApp) {
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

/// A page that another window would show.
const SECOND_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>second</title></head>\
     <body><p>second</p></body></html>";

/// Opens a window from script on a click and writes what `window.open`
/// returned.
const OPEN_SCRIPT: &str = r"document.getElementById('open').addEventListener('click', function () {
  var opened = window.open('second.html');
  document.getElementById('open-result').textContent =
    'opened=' + (opened === null ? 'null' : typeof opened);
});";

#[test]
fn new_windows_are_refused_and_logged() {
    let app_dir = app_with_page(
        "<button id=\"open\">open</button><p id=\"open-result\">none</p>\
         <a id=\"blank\" href=\"second.html\" target=\"_blank\">blank</a>\
         <script src=\"open.js\"></script>",
        &[("open.js", OPEN_SCRIPT), ("second.html", SECOND_PAGE)],
    );
    let display = Display::acquire();
    let (mut app, window) = launch(&app_dir, &display);

    // `window.open` in a click handler: a user gesture, so WebKit's own
    // popup blocking does not stop it first; the host does.
    app.click_in(&display, "main", window, "#open");
    let line = app.wait_log("new window request refused");
    assert!(line.contains("wasmtron://app/second.html"), "{line}");
    let result = app.wait_text_in("main", "#open-result", STEP_BOUND, |t| t != "none");
    assert_eq!(result, "opened=null", "the page got a window");

    // A link that targets a new window, clicked.
    app.click_in(&display, "main", window, "#blank");
    let line = app.wait_logged("new window request refused", 2);
    assert!(line.contains("wasmtron://app/second.html"), "{line}");

    // One window still, showing the same page.
    assert!(
        display.windows_named("second").is_empty(),
        "a second window showed"
    );
    app.wait_text_in("main", "#status", STEP_BOUND, |t| t == "loaded");
    quit(app);
}

/// Asks for location, pointer lock, notifications, and camera and
/// microphone, and writes each answer into its element.
const PERMISSION_SCRIPT: &str = r"function show(id, text) {
  document.getElementById(id).textContent = text;
}
document.getElementById('ask').addEventListener('click', function () {
  try {
    navigator.geolocation.getCurrentPosition(
      function () { show('geo', 'granted'); },
      function (error) { show('geo', 'error:' + error.code); }
    );
  } catch (e) {
    show('geo', 'threw:' + e.name);
  }
  try {
    document.body.requestPointerLock().then(
      function () { show('lock', 'locked'); },
      function (e) { show('lock', 'rejected:' + e.name); }
    );
  } catch (e) {
    show('lock', 'threw:' + e.name);
  }
  try {
    Notification.requestPermission().then(
      function (answer) { show('notify', answer); },
      function (e) { show('notify', 'rejected:' + e.name); }
    );
  } catch (e) {
    show('notify', 'threw:' + e.name);
  }
  try {
    navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(
      function () { show('media', 'granted'); },
      function (e) { show('media', 'rejected:' + e.name); }
    );
  } catch (e) {
    show('media', 'threw:' + e.name);
  }
});";

#[test]
fn permission_requests_are_refused_and_logged() {
    let app_dir = app_with_page(
        "<button id=\"ask\">ask</button><p id=\"geo\">none</p><p id=\"lock\">none</p>\
         <p id=\"notify\">none</p><p id=\"media\">none</p><script src=\"ask.js\"></script>",
        &[("ask.js", PERMISSION_SCRIPT)],
    );
    let display = Display::acquire();
    let (mut app, window) = launch(&app_dir, &display);
    // A real click: pointer lock and notifications are asked for only in a
    // user gesture.
    app.click_in(&display, "main", window, "#ask");
    let answered = |t: &str| t != "none";
    let geo = app.wait_text_in("main", "#geo", STEP_BOUND, answered);
    let lock = app.wait_text_in("main", "#lock", STEP_BOUND, answered);
    let notify = app.wait_text_in("main", "#notify", STEP_BOUND, answered);
    let media = app.wait_text_in("main", "#media", STEP_BOUND, answered);
    println!("geolocation: {geo}, pointer lock: {lock}, notifications: {notify}, media: {media}");

    // Asked of the host, refused by it, and the page told so.
    app.wait_log("permission request refused kind=Geolocation");
    assert_eq!(
        geo, "error:1",
        "geolocation was not denied (1 is PERMISSION_DENIED)"
    );
    app.wait_log("permission request refused kind=PointerLock");
    assert_eq!(
        lock, "rejected:WrongDocumentError",
        "pointer lock was not refused"
    );
    // WebKitGTK answers these without asking the host (nothing is logged):
    // notifications are denied outright, and camera and microphone are
    // asked for only when the machine has such a device (Xvfb has none).
    assert_eq!(notify, "denied");
    assert!(
        media == "rejected:NotAllowedError" || media == "rejected:OverconstrainedError",
        "camera and microphone: {media}"
    );
    quit(app);
}

/// Records every policy violation the page is told about, and on a click
/// tries the network (its own origin and a server on loopback) by `fetch`
/// and XHR, and submits a form to the server.
const POLICY_SCRIPT: &str = r"var violations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  violations.push(event.effectiveDirective);
  document.getElementById('violations').textContent = violations.join(' ');
});
function show(id, text) {
  document.getElementById(id).textContent = text;
}
function onClick(id, handler) {
  document.addEventListener('click', function (event) {
    if (event.target.id === id) {
      handler();
    }
  });
}
onClick('try', function () {
  var server = document.getElementById('server').getAttribute('data-url');
  var results = {};
  var names = ['fetch-out', 'fetch-self', 'xhr-out', 'xhr-self'];
  function done(name, outcome) {
    results[name] = outcome;
    if (Object.keys(results).length === names.length) {
      show('net', names.map(function (n) { return n + '=' + results[n]; }).join(' '));
    }
  }
  function tryFetch(name, url) {
    try {
      fetch(url).then(
        function () { done(name, 'reached'); },
        function (e) { done(name, 'failed:' + e.name); }
      );
    } catch (e) {
      done(name, 'threw:' + e.name);
    }
  }
  function tryXhr(name, url) {
    try {
      var request = new XMLHttpRequest();
      request.onload = function () { done(name, 'reached'); };
      request.onerror = function () { done(name, 'failed'); };
      request.open('GET', url);
      request.send();
    } catch (e) {
      done(name, 'threw:' + e.name);
    }
  }
  tryFetch('fetch-out', server + '/fetch');
  tryFetch('fetch-self', 'file.txt');
  tryXhr('xhr-out', server + '/xhr');
  tryXhr('xhr-self', 'file.txt');
  document.getElementById('post-out').submit();
});
onClick('post-self-button', function () {
  document.getElementById('post-self').submit();
});";

/// The framed page's script: it tells the page it ran.
const FRAME_SCRIPT: &str = "parent.document.getElementById('frame-ran').textContent = 'yes';";

#[test]
fn the_content_security_policy_holds_inside_webkit() {
    let (server, url) = loopback_server();
    let app_dir = app_with_page(
        &format!(
            "<p id=\"violations\"></p><script src=\"policy.js\"></script>\
             <p id=\"inline\">not run</p>\
             <script>document.getElementById('inline').textContent = 'ran';</script>\
             <p id=\"frame-ran\">no</p><iframe id=\"frame\" src=\"frame.html\"></iframe>\
             <p id=\"server\" data-url=\"{url}\"></p>\
             <form id=\"post-out\" method=\"post\" action=\"{url}/form\">\
             <input name=\"secret\" value=\"s\"></form>\
             <form id=\"post-self\" method=\"post\" action=\"landed.html\">\
             <input name=\"secret\" value=\"s\"></form>\
             <button id=\"try\">try</button><button id=\"post-self-button\">post</button>\
             <p id=\"net\">none</p>"
        ),
        &[
            ("policy.js", POLICY_SCRIPT),
            ("file.txt", "a file of the app's own"),
            (
                "frame.html",
                "<!doctype html><p>framed</p><script src=\"frame.js\"></script>",
            ),
            ("frame.js", FRAME_SCRIPT),
            ("landed.html", "<!doctype html><p id=\"status\">landed</p>"),
        ],
    );
    let display = Display::acquire();
    let (mut app, window) = launch(&app_dir, &display);

    // The inline script came before the page loaded, and did not run.
    let inline = app.wait_text_in("main", "#inline", STEP_BOUND, |_| true);
    assert_eq!(inline, "not run", "an inline script ran");

    app.click_in(&display, "main", window, "#try");
    let net = app.wait_text_in("main", "#net", STEP_BOUND, |t| t != "none");
    // `fetch` and XHR fail, to the app's own files (which only the policy
    // stops) as to the server.
    assert_eq!(
        net,
        "fetch-out=failed:TypeError fetch-self=failed:TypeError xhr-out=failed xhr-self=failed"
    );
    app.click_in(&display, "main", window, "#post-self-button");
    let violations = app.wait_text_in("main", "#violations", STEP_BOUND, |t| {
        t.split(' ').count() == 8
    });
    // Each attempt was the policy's to stop: the inline script, the frame,
    // the four requests and the two forms.
    let mut directives: Vec<&str> = violations.split(' ').collect();
    directives.sort_unstable();
    assert_eq!(
        directives,
        [
            "connect-src",
            "connect-src",
            "connect-src",
            "connect-src",
            "form-action",
            "form-action",
            "frame-src",
            "script-src-elem",
        ],
        "{violations}"
    );

    // What would take a moment if let through: a connection, the frame's
    // script, the form's page.
    assert_nothing_connects(&server, &url);
    let frame = app.wait_text_in("main", "#frame-ran", STEP_BOUND, |_| true);
    assert_eq!(frame, "no", "the frame loaded");
    app.wait_text_in("main", "#status", STEP_BOUND, |t| t == "loaded");
    quit(app);
}

/// Tries to replace the bridge's entry point every way a page could, when
/// the page loads and again on a click of `#dom`, and writes the outcomes.
/// The replacement would write `hijacked`.
const HIJACK_SCRIPT: &str = r"var original = window.__wasmtron;
var originalApply = original && original.apply;
function evil() {
  document.getElementById('hijack').textContent = 'hijacked';
  return 1;
}
function hijack() {
  var outcomes = [typeof originalApply];
  function attempt(name, how) {
    try {
      how();
    } catch (e) {
      outcomes.push(name + ':threw');
      return;
    }
    var kept = window.__wasmtron === original && window.__wasmtron.apply === originalApply;
    outcomes.push(name + ':' + (kept ? 'kept' : 'replaced'));
  }
  attempt('assign', function () { window.__wasmtron = { apply: evil }; });
  attempt('delete', function () { delete window.__wasmtron; });
  attempt('define', function () {
    Object.defineProperty(window, '__wasmtron', { value: { apply: evil } });
  });
  attempt('member', function () { window.__wasmtron.apply = evil; });
  attempt('strict-assign', function () { 'use strict'; window.__wasmtron = { apply: evil }; });
  attempt('strict-member', function () { 'use strict'; window.__wasmtron.apply = evil; });
  attempt('define-member', function () {
    Object.defineProperty(window.__wasmtron, 'apply', { value: evil });
  });
  return outcomes.join(' ');
}
document.getElementById('attempts').textContent = hijack();
// Registered on the document: the button comes after this script.
document.addEventListener('click', function (event) {
  if (event.target.id === 'dom') {
    document.getElementById('attempts-on-click').textContent = hijack();
  }
});";

#[test]
fn the_page_cannot_replace_the_bridge() {
    let app_dir = app_with_page(
        "<p id=\"hijack\">none</p><p id=\"attempts\">none</p>\
         <p id=\"attempts-on-click\">none</p><script src=\"hijack.js\"></script>",
        &[("hijack.js", HIJACK_SCRIPT)],
    );
    let display = Display::acquire();
    // The page's script runs before the page reports it loaded, so the
    // renderer's "loaded" (which `launch` waits for) went through the
    // bridge after the attempts.
    let (mut app, window) = launch(&app_dir, &display);
    let expected = "function assign:kept delete:kept define:threw member:kept \
                    strict-assign:threw strict-member:threw define-member:threw";
    let attempts = app.wait_text_in("main", "#attempts", STEP_BOUND, |_| true);
    assert_eq!(attempts, expected);

    // Again on a real click, which also has the renderer change the page.
    app.click_in(&display, "main", window, "#dom");
    let attempts = app.wait_text_in("main", "#attempts-on-click", STEP_BOUND, |t| t != "none");
    assert_eq!(attempts, expected);
    app.wait_text_in("main", "#result", STEP_BOUND, |t| t == "dom-ok");
    let list = app.wait_text_in("main", "#list", STEP_BOUND, |_| true);
    assert_eq!(list, "samesame", "the renderer's operations did not arrive");
    let hijack = app.wait_text_in("main", "#hijack", STEP_BOUND, |_| true);
    assert_eq!(hijack, "none", "the page's replacement was called");
    quit(app);
}

/// Shows what the page's storage held when it loaded, and on a click writes
/// an item and reads it back.
const STORAGE_SCRIPT: &str = r"var KEY = 'wasmtron-e2e-web-content';
var found = localStorage.getItem(KEY);
document.getElementById('found').textContent = found === null ? 'nothing' : found;
document.getElementById('store').addEventListener('click', function () {
  localStorage.setItem(KEY, 'written in the first run');
  document.getElementById('stored').textContent = 'read back: ' + localStorage.getItem(KEY);
});";

#[test]
fn storage_is_gone_in_the_next_launch() {
    let app_dir = app_with_page(
        "<button id=\"store\">store</button><p id=\"found\">none</p>\
         <p id=\"stored\">none</p><script src=\"store.js\"></script>",
        &[("store.js", STORAGE_SCRIPT)],
    );
    let display = Display::acquire();
    let (mut app, window) = launch(&app_dir, &display);
    let found = app.wait_text_in("main", "#found", STEP_BOUND, |t| t != "none");
    assert_eq!(found, "nothing");
    // Storage works while the app runs.
    app.click_in(&display, "main", window, "#store");
    let stored = app.wait_text_in("main", "#stored", STEP_BOUND, |t| t != "none");
    assert_eq!(stored, "read back: written in the first run");
    quit(app);

    // The same app folder, launched again.
    let (mut app, _) = launch(&app_dir, &display);
    let found = app.wait_text_in("main", "#found", STEP_BOUND, |t| t != "none");
    assert_eq!(found, "nothing", "the page's storage outlived its run");
    quit(app);
}
