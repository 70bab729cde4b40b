//! The main world's imports: window control, handler registration, timers,
//! the app, and the log.

use std::time::Duration;

use super::main::MainState;
use crate::bindings::main::wasmtron::app::{
    app as wit_app, ipc as wit_ipc, log as wit_log, ports as wit_ports, timers as wit_timers,
    types as wit_types, windows as wit_windows,
};
use crate::mailbox::MainCall;
use crate::shell::{WindowControlError, WindowOptions};
use crate::window::WindowChange;
use wasmtime::component::Resource;
use wasmtron_worker::convert::{ipc_error_to_wit, level_from_wit};
use wasmtron_worker::message_port;

impl wit_types::Host for MainState {}

impl wit_log::Host for MainState {
    async fn log(&mut self, level: wit_log::Level, message: String) {
        let name = format!("{}/main", self.shell.app_name());
        crate::log::guest_log(&name, level_from_wit(level), &message);
    }
}

impl wit_windows::Host for MainState {
    async fn open(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.shell.open_window(&label).map_err(window_error_to_wit)
    }

    async fn create(
        &mut self,
        label: String,
        options: wit_windows::WindowOptions,
    ) -> Result<(), wit_windows::WindowError> {
        let options = WindowOptions {
            title: options.title,
            width: options.width,
            height: options.height,
            min_size: (options.min_width, options.min_height),
            max_size: (options.max_width, options.max_height),
            position: (options.x, options.y),
            resizable: options.resizable,
            visible: options.visible,
            devtools: false,
        };
        self.shell
            .create_window(&label, &options)
            .map_err(window_error_to_wit)
    }

    async fn close(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.shell
            .request_close(&label)
            .map_err(window_error_to_wit)
    }

    async fn destroy(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.shell.close_window(&label).map_err(window_error_to_wit)
    }

    async fn set_menu(
        &mut self,
        label: String,
        menu: Vec<wit_windows::Submenu>,
    ) -> Result<(), wit_windows::WindowError> {
        let bar = crate::window::MenuBar {
            menus: menu
                .into_iter()
                .map(|submenu| crate::window::Submenu {
                    label: submenu.label,
                    entries: submenu
                        .entries
                        .into_iter()
                        .map(|entry| match entry {
                            wit_windows::MenuEntry::Separator => {
                                crate::window::MenuEntry::Separator
                            }
                            wit_windows::MenuEntry::Item(item) => crate::window::MenuEntry::Item {
                                id: item.id,
                                label: item.label,
                                accelerator: item.accelerator,
                                enabled: item.enabled,
                            },
                        })
                        .collect(),
                })
                .collect(),
        };
        self.change(&label, WindowChange::Menu(bar))
    }

    async fn focus(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.change(&label, WindowChange::Focus)
    }

    async fn show(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.change(&label, WindowChange::Show)
    }

    async fn hide(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.change(&label, WindowChange::Hide)
    }

    async fn set_title(
        &mut self,
        label: String,
        title: String,
    ) -> Result<(), wit_windows::WindowError> {
        self.change(&label, WindowChange::Title(title))
    }

    async fn set_size(
        &mut self,
        label: String,
        width: u32,
        height: u32,
    ) -> Result<(), wit_windows::WindowError> {
        self.change(&label, WindowChange::Size(width, height))
    }

    async fn find(&mut self, label: String) -> Option<wit_windows::WindowState> {
        self.shell
            .window_state(&label)
            .map(|state| wit_windows::WindowState {
                label,
                title: state.title,
                width: state.size.0,
                height: state.size.1,
                visible: state.visible,
                focused: state.focused,
                resizable: state.resizable,
            })
    }

    async fn labels(&mut self) -> Vec<String> {
        self.shell.window_labels()
    }

    async fn push(
        &mut self,
        label: String,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), wit_types::IpcError> {
        self.shell
            .push(&label, channel, payload)
            .map_err(ipc_error_to_wit)
    }

    async fn post_message(
        &mut self,
        label: String,
        channel: String,
        payload: Vec<u8>,
        transfer: Vec<Resource<wit_ports::MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        let transfer = message_port::take_transfer(self, transfer, None)
            .await
            .map_err(|err| ipc_error_to_wit(message_port::transfer_error(err)))?;
        let posted = self.shell.renderer_of(&label).and_then(|renderer| {
            self.shell
                .post_to_worker(&renderer, channel, payload, &transfer)
        });
        posted.map_err(|err| {
            message_port::close_moved(self, &transfer);
            ipc_error_to_wit(err)
        })
    }

    async fn invoke(
        &mut self,
        label: String,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, wit_types::IpcError> {
        self.shell
            .invoke_window(&label, channel, payload)
            .await
            .map_err(ipc_error_to_wit)
    }

    async fn reload(&mut self, label: String) -> Result<(), wit_windows::WindowError> {
        self.shell
            .reload_window(&label)
            .map_err(window_error_to_wit)
    }
}

impl MainState {
    fn change(&self, label: &str, change: WindowChange) -> Result<(), wit_windows::WindowError> {
        self.shell
            .update_window(label, change)
            .map_err(window_error_to_wit)
    }
}

impl wit_ipc::Host for MainState {
    async fn handle(&mut self, channel: String) {
        self.shell.router().handle_in_main(&channel);
    }

    async fn remove_handler(&mut self, channel: String) {
        self.shell.router().remove_main_handler(&channel);
    }
}

impl wit_timers::Host for MainState {
    async fn set_timeout(&mut self, ms: u32) -> u64 {
        self.start_timer(ms, false)
    }

    async fn set_interval(&mut self, ms: u32) -> u64 {
        self.start_timer(ms, true)
    }

    async fn clear(&mut self, id: u64) {
        if let Some((timer, _)) = self.timers.remove(&id) {
            timer.abort();
        }
    }
}

impl MainState {
    /// Timers run on main's own runtime and fire by queueing an `on-timer`
    /// call, so they never interrupt a call in progress.
    fn start_timer(&mut self, ms: u32, repeat: bool) -> u64 {
        self.next_timer += 1;
        let id = self.next_timer;
        let mailbox = self.mailbox.clone();
        // A zero interval would spin; one millisecond is the floor.
        let period = Duration::from_millis(u64::from(ms.max(1)));
        let task = tokio::spawn(async move {
            if repeat {
                let mut ticks =
                    tokio::time::interval_at(tokio::time::Instant::now() + period, period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    if mailbox.post(MainCall::Timer(id)).is_err() {
                        break;
                    }
                }
            } else {
                tokio::time::sleep(period).await;
                let _ = mailbox.post(MainCall::Timer(id));
            }
        });
        self.timers.insert(id, (task.abort_handle(), repeat));
        id
    }
}

impl wit_app::Host for MainState {
    async fn name(&mut self) -> String {
        self.shell.app_name().to_owned()
    }

    async fn quit(&mut self, code: i32) {
        self.shell
            .request_quit(crate::lifecycle::AppExit::Quit(code));
    }

    async fn exit(&mut self, code: i32) {
        self.shell.quit(code);
    }

    async fn get_path(&mut self, folder: wit_app::AppFolder) -> Result<String, wit_app::PathError> {
        use crate::manifest::AppFolder;
        let folder = match folder {
            wit_app::AppFolder::Data => AppFolder::Data,
            wit_app::AppFolder::Cache => AppFolder::Cache,
            wit_app::AppFolder::Config => AppFolder::Config,
        };
        let manifest = self.shell.manifest();
        if manifest.id.is_none() {
            return Err(wit_app::PathError::NoAppId);
        }
        let paths = self
            .shell
            .app_paths()
            .as_ref()
            .map_err(|why| wit_app::PathError::Unavailable(why.clone()))?;
        paths
            .ensure(folder, &manifest.root)
            .map(|path| path.to_string_lossy().into_owned())
            .map_err(|err| wit_app::PathError::Unavailable(err.to_string()))
    }
}

fn window_error_to_wit(err: WindowControlError) -> wit_windows::WindowError {
    match err {
        WindowControlError::UnknownLabel(l) => wit_windows::WindowError::UnknownLabel(l),
        WindowControlError::NotOpen(l) => wit_windows::WindowError::NotOpen(l),
        WindowControlError::AlreadyOpen(l) => wit_windows::WindowError::AlreadyOpen(l),
        WindowControlError::BadOptions { label, reason } => {
            wit_windows::WindowError::BadOptions(format!("window `{label}`: {reason}"))
        }
        other => wit_windows::WindowError::Failed(other.to_string()),
    }
}

impl crate::bindings::main::wasmtron::app::calls::Host for MainState {
    async fn caller(&mut self) -> Option<wit_types::Sender> {
        self.caller
            .clone()
            .map(wasmtron_worker::convert::sender_to_wit)
    }
}

impl wasmtron_worker::typed::CallOut for MainState {
    /// Main's typed calls go to a utility or a native provider (never to
    /// main itself: the manifest refuses that cycle), within main's
    /// `invoke-timeout-ms`, the results held to its `max-message-bytes`.
    async fn call_out(
        &mut self,
        interface: String,
        function: String,
        args: Vec<u8>,
        transfer: Vec<crate::ports::PortId>,
    ) -> Result<(Vec<u8>, Vec<crate::ports::PortRef>), crate::ipc::IpcError> {
        use crate::ipc::{Calls, ErrorCode, IpcError, OutCall, Sender};
        use crate::ports::Holder;
        let limits = self.shell.limits();
        if args.len() > limits.max_message_bytes {
            message_port::close_moved(self, &transfer);
            return Err(IpcError::too_large(
                "the arguments",
                args.len(),
                limits.max_message_bytes,
            ));
        }
        let bound = Duration::from_millis(limits.invoke_timeout_ms);
        let call = self.shell.call(
            OutCall {
                caller: Sender::Main,
                holder: Holder::Main,
                interface,
                function,
                args,
                transfer,
            },
            None,
        );
        let reply = tokio::time::timeout(bound, call)
            .await
            .unwrap_or_else(|_| {
                Err(IpcError::new(
                    ErrorCode::Timeout,
                    format!("no reply within {} ms", limits.invoke_timeout_ms),
                ))
            })?;
        // Main's own limit, as a worker's holds what comes back to it.
        if reply.bytes.len() > limits.max_message_bytes {
            for port in &reply.ports {
                self.shell.ports().close(Holder::Main, port.id);
            }
            return Err(IpcError::too_large(
                "the results",
                reply.bytes.len(),
                limits.max_message_bytes,
            ));
        }
        // What travels with the ports waits in main's mailbox until this
        // call returns and main holds them.
        self.shell.ports().flush(reply.carried);
        Ok((reply.bytes, reply.ports))
    }
}
