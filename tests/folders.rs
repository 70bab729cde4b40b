//! The app's own per-user folders (`app.id`, `app-folders`): main, a
//! renderer and a utility each reach the folders their manifest entry
//! grants, by their fixed names, with the access granted, and nothing
//! beside them: not another app's folders by `..`, by an absolute path or
//! by a symlink planted inside the grant. Both isolation modes.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtron::capabilities::folders::AppPaths;
use wasmtron::window::HeadlessBackend;
use wasmtron_tests::{
    ALL_CHANNELS, AppDir, Running, builder, manifest_with_windows, wasmtron_check,
};

const ID: &str = "org.wasmtron.folders-test";

/// The test app with windows `a` (which drives the probes) and `b`,
/// utility `files`, and `grants` as `(main, window b, utility)`
/// `app-folders` tables. (Window `a` waits on main while main asks `b`: a
/// renderer cannot answer main while it waits on main.)
fn manifest(id: Option<&str>, grants: [&str; 3]) -> String {
    let [main, window, utility] = grants;
    let mut text = manifest_with_windows(&[("a", ALL_CHANNELS), ("b", ALL_CHANNELS)]);
    if let Some(id) = id {
        text = text.replacen(
            "name = \"probe\"\n",
            &format!("name = \"probe\"\nid = \"{id}\"\n"),
            1,
        );
    }
    text = text.replacen(
        "component = \"dist/main.wasm\"\n",
        &format!("component = \"dist/main.wasm\"\napp-folders = {{ {main} }}\n"),
        1,
    );
    text.push_str(&format!("app-folders = {{ {window} }}\n"));
    text.push_str(&format!(
        "\n[[utility]]\nname = \"files\"\ncomponent = \"dist/utility.wasm\"\napp-folders = {{ {utility} }}\n"
    ));
    text
}

/// A home of XDG folders for one test.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Home {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn paths(&self, id: &str) -> AppPaths {
        let base = self.dir.path().to_owned();
        AppPaths::with_env(id, move |name| {
            let sub = match name {
                "XDG_DATA_HOME" => "share",
                "XDG_CACHE_HOME" => "cache",
                "XDG_CONFIG_HOME" => "config",
                _ => return None,
            };
            Some(base.join(sub).into_os_string())
        })
        .expect("absolute folders")
    }

    /// `relative` under the data home.
    fn share(&self, relative: &str) -> PathBuf {
        self.dir.path().join("share").join(relative)
    }
}

fn start(dir: AppDir, home: &Home) -> Running {
    let windows = Arc::new(HeadlessBackend::new());
    let app = builder(dir.manifest(), windows.clone())
        .app_paths(home.paths(ID))
        .start()
        .expect("the app starts");
    let running = Running::from_parts(app, windows, dir);
    running.wait_text("a", "#status", "loaded");
    running.wait_text("b", "#status", "loaded");
    running
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
    std::fs::write(path, text).expect("written");
}

#[test]
fn each_component_reaches_its_granted_folders_with_the_access_granted() {
    let home = Home::new();
    let app = start(
        AppDir::new(&manifest(
            Some(ID),
            [
                "data = \"read-write\", config = \"read-only\"",
                "data = \"read-only\"",
                "data = \"read-write\", cache = \"read-write\"",
            ],
        )),
        &home,
    );
    let data = home.share(&format!("{ID}/data"));
    // Main: its data folder read and written by its fixed name; made
    // private; config readable only; cache not there.
    assert_eq!(
        app.invoke("a", "fs-write", "/data/notes.txt|from main"),
        "ok:written"
    );
    assert_eq!(
        std::fs::read_to_string(data.join("notes.txt"))
            .ok()
            .as_deref(),
        Some("from main")
    );
    let mode = std::fs::metadata(&data).expect("made").permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "the data folder is private");
    assert_eq!(
        app.invoke("a", "fs-read", "/data/notes.txt"),
        "ok:read:from main"
    );
    write(
        &home.dir.path().join(format!("config/{ID}/settings")),
        "dark",
    );
    assert_eq!(
        app.invoke("a", "fs-read", "/config/settings"),
        "ok:read:dark"
    );
    assert!(
        app.invoke("a", "fs-write", "/config/settings|light")
            .starts_with("ok:denied:"),
        "config is read-only to main"
    );
    assert!(
        app.invoke("a", "fs-read", "/cache/anything")
            .starts_with("ok:denied:")
    );
    // Where the folders are: Electron's `app.getPath`.
    assert_eq!(
        app.invoke("a", "app-path", "data"),
        format!("ok:{}", data.canonicalize().expect("exists").display())
    );
    // The renderer: the same folder, read-only.
    assert_eq!(
        app.invoke("a", "window-invoke", "b|fs-read|/data/notes.txt"),
        "ok:ok:read:from main"
    );
    assert!(
        app.invoke("a", "window-invoke", "b|fs-write|/data/renderer.txt")
            .starts_with("ok:ok:denied:"),
        "read-only to the renderer"
    );
    assert!(!data.join("renderer.txt").exists());
    // The utility: data and cache, both writable.
    assert_eq!(app.invoke("a", "fork", "files"), "ok:files");
    assert_eq!(
        app.invoke("a", "utility-invoke", "files|write|/cache/made.txt"),
        "ok:ok:written"
    );
    assert_eq!(
        std::fs::read_to_string(home.dir.path().join(format!("cache/{ID}/made.txt")))
            .ok()
            .as_deref(),
        Some("written by the utility")
    );
    assert_eq!(
        app.invoke("a", "utility-invoke", "files|read|/data/notes.txt"),
        "ok:ok:read:from main"
    );
}

#[test]
fn another_apps_folder_is_out_of_reach_by_every_route() {
    let home = Home::new();
    let secret = home.share("org.other.app/data/secret.txt");
    write(&secret, "the other app's");
    let app = start(
        AppDir::new(&manifest(
            Some(ID),
            [
                "data = \"read-write\"",
                "data = \"read-write\"",
                "data = \"read-write\"",
            ],
        )),
        &home,
    );
    // A symlink inside the grant, pointing out of it; and one to the
    // other app's folder itself.
    let data = home.share(&format!("{ID}/data"));
    std::fs::create_dir_all(&data).expect("made");
    std::os::unix::fs::symlink(&secret, data.join("link")).expect("a symlink");
    std::os::unix::fs::symlink(secret.parent().expect("its folder"), data.join("dirlink"))
        .expect("a symlink");
    let routes = [
        "/data/../../org.other.app/data/secret.txt".to_owned(),
        "/data/../secret.txt".to_owned(),
        secret.display().to_string(),
        "/org.other.app/data/secret.txt".to_owned(),
        "/data/link".to_owned(),
        "/data/dirlink/secret.txt".to_owned(),
    ];
    assert_eq!(app.invoke("a", "fork", "files"), "ok:files");
    for route in &routes {
        let main = app.invoke("a", "fs-read", route);
        assert!(main.starts_with("ok:denied:"), "main by {route}: {main}");
        let renderer = app.invoke("a", "window-invoke", &format!("b|fs-read|{route}"));
        assert!(
            renderer.starts_with("ok:ok:denied:"),
            "the renderer by {route}: {renderer}"
        );
        let utility = app.invoke("a", "utility-invoke", &format!("files|read|{route}"));
        assert!(
            utility.starts_with("ok:ok:denied:"),
            "the utility by {route}: {utility}"
        );
    }
    // Writing through the link leaves the other app's file alone.
    let written = app.invoke("a", "fs-write", "/data/link|overwritten");
    assert!(written.starts_with("ok:denied:"), "{written}");
    assert_eq!(
        std::fs::read_to_string(&secret).ok().as_deref(),
        Some("the other app's")
    );
}

#[test]
fn folders_need_an_app_id_and_main_is_told_there_is_none() {
    let dir = AppDir::new(&manifest(None, ["data = \"read-write\"", "", ""]));
    let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("`main.app-folders` needs `app.id`"),
        "{err}"
    );
    for (bad, key) in [
        ("id = \"notes\"", "app.id"),
        ("id = \"org.3d.app\"", "app.id"),
    ] {
        let text = manifest(None, ["", "", ""]).replacen(
            "name = \"probe\"\n",
            &format!("name = \"probe\"\n{bad}\n"),
            1,
        );
        let err = wasmtron::Manifest::parse(&text, dir.path()).expect_err("refused");
        assert!(err.to_string().contains(&format!("`{key}`")), "{err}");
    }
    let text = manifest(Some(ID), ["home = \"read-write\"", "", ""]);
    let err = wasmtron::Manifest::parse(&text, dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("`main.app-folders.home` is not an app folder"),
        "{err}"
    );
    // Without an id, main is told so rather than given a path.
    let home = Home::new();
    let app = start(AppDir::new(&manifest(None, ["", "", ""])), &home);
    assert_eq!(app.invoke("a", "app-path", "data"), "ok:err:no-app-id");
    assert!(
        app.invoke("a", "fs-read", "/data/x")
            .starts_with("ok:denied:")
    );
}

#[test]
fn check_lists_every_folder_grant() {
    let dir = AppDir::new(&manifest(
        Some(ID),
        [
            "data = \"read-write\"",
            "cache = \"read-only\"",
            "config = \"read-write\"",
        ],
    ));
    let (code, output) = wasmtron_check(dir.path());
    assert_eq!(code, Some(0), "{output}");
    for line in [
        "grant: read-write app folder `data`, ",
        "grant: read-only app folder `cache`, ",
        "grant: read-write app folder `config`, ",
    ] {
        assert!(output.contains(line), "{line} in {output}");
    }
    assert!(
        output.contains(&format!("{ID}/data as `/data`")),
        "{output}"
    );
    assert!(output.contains("as `/cache`") && output.contains("as `/config`"));
}
