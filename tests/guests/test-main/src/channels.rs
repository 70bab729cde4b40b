// The channels of the test main component, grouped by the suite that uses
// them: the one list of them. Two crates read it with `include!`, each
// defining `read_channels!` first, which receives every handled channel as
// `"name" => suite::handler` and then the granted-only names:
//
// - the component (`lib.rs`) as its dispatch table: it registers every
//   handled channel at start and calls its handler;
// - the harness (`tests/src/lib.rs`) as `ALL_CHANNELS`, the channels a test
//   window is granted: every channel below, handled and granted-only.
//
// A new channel is one line here and its handler in the suite's module.

macro_rules! channels {
    (
        handled {
            $($suite:ident {
                $($channel:literal => $handler:ident,)*
            })*
        }
        granted_only [$($granted_only:literal,)*]
    ) => {
        read_channels! {
            handled [$($($channel => $suite::$handler,)*)*]
            granted_only [$($granted_only,)*]
        }
    };
}

channels! {
    handled {
        // Requests and replies: payloads and errors, who sent it, what main
        // was sent, pushes, slow and crashing handlers, handlers added at
        // run time.
        ipc {
            "echo" => echo,
            "fail" => fail,
            "whoami" => whoami,
            "messages" => messages,
            "push-back" => push_back,
            "spin" => spin,
            "crash" => crash,
            "grow" => grow,
            "register" => register,
            "unregister" => unregister,
        }
        // Windows main opens, creates, controls, closes, reloads and
        // invokes, and what it hears from them.
        windows {
            "open" => open,
            "close" => close,
            "ask-close" => ask_close,
            "create" => create,
            "window-do" => window_do,
            "find" => find,
            "labels" => labels,
            "keep-open" => keep_open,
            "window-events" => window_events,
            "set-menu" => set_menu,
            "reload" => reload,
            "window-invoke" => window_invoke,
        }
        // Message boxes and file choosers.
        dialogs {
            "dialog" => dialog,
        }
        // The app: its name, quitting and exiting, the lifecycle events.
        lifecycle {
            "app-name" => app_name,
            "quit" => quit,
            "app-exit" => app_exit,
            "lifecycle" => lifecycle,
            "prevent-quit" => prevent_quit,
            "stay-when-closed" => stay_when_closed,
        }
        // Main's own files, in the app folders its manifest grants.
        files {
            "fs-read" => fs_read,
            "fs-write" => fs_write,
            "app-path" => app_path,
            "open-external" => open_external,
        }
        timers {
            "timeout" => timeout,
            "timer-count" => timer_count,
        }
        // Utilities main forks and drives, and the processes behind them
        // (the utilities and processes suites).
        utilities {
            "fork" => fork,
            "fork-with" => fork_with,
            "utility-post" => utility_post,
            "utility-invoke" => utility_invoke,
            "utility-kill" => utility_kill,
            "utility-pid" => utility_pid,
            "metrics" => metrics,
            "gone" => gone,
        }
        // Message ports between main, windows and utilities.
        ports {
            "connect" => connect,
            "connect-utility" => connect_utility,
            "self-transfer" => self_transfer,
            "main-port-post" => main_port_post,
            "port-pass" => port_pass,
        }
    }
    // Granted to windows, but no handler is registered for them at start.
    granted_only [
        // `send`s main logs (`on-message`): the renderer's burst, and the
        // renderer's port.
        "seq",
        "port-from-renderer",
        // Never handled: an invoke fails with `no-handler`.
        "nobody",
        // Handled only between `register` and `unregister`.
        "late",
    ]
}
