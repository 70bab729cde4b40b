//! The `utility` world: a background worker started by main.

use serde::Serialize;

use crate::{HandlerError, IpcError, Payload, Request};

pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "wasmtron:app/utility@0.1.0",
        pub_export_macro: true,
        export_macro_name: "__export_utility_world",
        default_bindings_module: "wasmtron_guest::__internal::utility_bindings",
        with: {
            "wasmtron:app/types@0.1.0": crate::main_world::bindings::wasmtron::app::types,
            "wasmtron:app/log@0.1.0": crate::main_world::bindings::wasmtron::app::log,
        },
    });
}

/// A background worker (Electron's utility process script), started by main
/// with [`utilities::fork`](crate::utilities::fork). It can reach only
/// [`parent_port`] and [`log`](crate::log).
///
/// Every method has a default, so implement only what the worker needs.
/// [`export_utility!`](crate::export_utility) creates the value with
/// `Default` and keeps it for the worker's whole life.
pub trait Utility: Default + 'static {
    /// The parent posted a message with
    /// [`UtilityProcess::post_message`](crate::utilities::UtilityProcess::post_message).
    fn on_message(&mut self, payload: Payload) {
        let _ = payload;
    }

    /// The parent invoked a channel with
    /// [`UtilityProcess::invoke`](crate::utilities::UtilityProcess::invoke);
    /// the request's sender is [`Sender::Main`](crate::Sender::Main). The
    /// reply is the MessagePack payload returned; see
    /// [`reply`](Request::reply).
    ///
    /// # Errors
    /// The returned [`HandlerError`] reaches the parent as `handler-failed`
    /// with its code, message and data intact. The default serves no
    /// channel: it fails with app code `no-handler`, naming the channel.
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        Err(request.no_handler("this utility"))
    }
}

/// The link to the component that started this worker
/// (Electron's `process.parentPort`).
pub mod parent_port {
    use super::*;

    /// Posts a value to the parent.
    ///
    /// # Errors
    /// `target-gone`, `too-large`, `bad-payload`.
    pub fn post_message<T: Serialize + ?Sized>(value: &T) -> Result<(), IpcError> {
        post_raw(&crate::encode(value)?)
    }

    /// Posts an already encoded payload.
    ///
    /// # Errors
    /// As [`post_message`].
    pub fn post_raw(payload: &[u8]) -> Result<(), IpcError> {
        super::bindings::wasmtron::app::parent_port::post_message(payload)
    }
}

/// Exports a [`Utility`] implementation as the component's `utility` world.
///
/// ```ignore
/// #[derive(Default)]
/// struct Worker;
/// impl wasmtron_guest::Utility for Worker {}
/// wasmtron_guest::export_utility!(Worker);
/// ```
#[macro_export]
macro_rules! export_utility {
    ($ty:ty) => {
        const _: () = {
            ::std::thread_local! {
                static WORKER: ::core::cell::RefCell<$ty> =
                    ::core::cell::RefCell::new(<$ty as ::core::default::Default>::default());
            }

            struct Export;

            impl $crate::__internal::utility_bindings::exports::wasmtron::app::utility_events::Guest
                for Export
            {
                fn on_message(payload: $crate::Payload) {
                    WORKER.with_borrow_mut(|worker| $crate::Utility::on_message(worker, payload));
                }

                fn handle(
                    channel: ::std::string::String,
                    payload: $crate::Payload,
                ) -> ::core::result::Result<$crate::Payload, $crate::HandlerError> {
                    let request = $crate::Request {
                        sender: $crate::Sender::Main,
                        channel,
                        payload,
                    };
                    WORKER.with_borrow_mut(|worker| $crate::Utility::handle(worker, request))
                }
            }

            $crate::__internal::utility_bindings::__export_utility_world!(
                Export with_types_in $crate::__internal::utility_bindings
            );
        };
    };
}
