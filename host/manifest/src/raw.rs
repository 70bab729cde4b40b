//! The manifest exactly as written. Unknown keys are refused by serde, with
//! the key named.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawManifest {
    pub app: RawApp,
    pub main: Option<RawMain>,
    #[serde(default, rename = "window")]
    pub windows: Vec<RawWindow>,
    #[serde(default, rename = "utility")]
    pub utilities: Vec<RawUtility>,
    #[serde(default)]
    pub limits: RawLimits,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawApp {
    pub name: String,
    /// The app's reverse-DNS id, which names its per-user folders.
    pub id: Option<String>,
    /// The URL schemes `shell.open-external` may open.
    pub open_external: Option<Vec<String>>,
    pub isolation: Option<String>,
    pub quit_when_all_windows_closed: Option<bool>,
    pub single_instance: Option<bool>,
    pub hardware_acceleration: Option<String>,
    /// The most utility instances that may run at once, all utilities
    /// together.
    pub max_utility_instances: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMain {
    pub component: String,
    /// Main reads clocks at full precision, not in 1 ms steps.
    #[serde(default)]
    pub precise_clocks: bool,
    /// Which component provides each app interface this one imports.
    #[serde(default)]
    pub imports: std::collections::BTreeMap<String, String>,
    /// Which of the app's per-user folders it may reach, and how.
    #[serde(default)]
    pub app_folders: std::collections::BTreeMap<String, String>,
    /// The origins its outbound HTTP may go to.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawWindow {
    pub label: String,
    pub title: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub renderer: String,
    pub ui: Option<String>,
    pub entry: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    pub open: Option<bool>,
    /// The renderer reads clocks at full precision, not in 1 ms steps.
    #[serde(default)]
    pub precise_clocks: bool,
    /// This window's renderer's own limits, over `[limits]`.
    #[serde(default)]
    pub limits: RawLimits,
    /// Which component provides each app interface this one imports.
    #[serde(default)]
    pub imports: std::collections::BTreeMap<String, String>,
    /// The app interface the renderer exports to its page's scripts.
    pub page_api: Option<String>,
    /// Who answers the page's requests for `@content/...`.
    pub content: Option<String>,
    /// Which of the app's per-user folders it may reach, and how.
    #[serde(default)]
    pub app_folders: std::collections::BTreeMap<String, String>,
    /// The origins its outbound HTTP may go to.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// The page keeps its web storage between launches.
    #[serde(default)]
    pub persistent_storage: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawLimits {
    pub max_message_bytes: Option<usize>,
    pub invoke_timeout_ms: Option<u64>,
    pub http_timeout_ms: Option<u64>,
    pub max_memory_bytes: Option<usize>,
    pub cpu_ms_per_call: Option<u64>,
    pub max_pending_invokes: Option<usize>,
    pub max_queued_messages: Option<usize>,
    pub max_messages_per_second: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawUtility {
    pub name: String,
    pub component: String,
    #[serde(default)]
    pub read_dirs: Vec<String>,
    #[serde(default)]
    pub write_dirs: Vec<String>,
    /// The most instances of this utility that may run at once.
    pub max_instances: Option<usize>,
    /// The utility reads clocks at full precision, not in 1 ms steps.
    #[serde(default)]
    pub precise_clocks: bool,
    /// This utility's own limits, over `[limits]`.
    #[serde(default)]
    pub limits: RawLimits,
    /// Which component provides each app interface this one imports.
    #[serde(default)]
    pub imports: std::collections::BTreeMap<String, String>,
    /// Which of the app's per-user folders it may reach, and how.
    #[serde(default)]
    pub app_folders: std::collections::BTreeMap<String, String>,
    /// The origins its outbound HTTP may go to.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}
