//! What [`export_main!`](crate::export_main),
//! [`export_renderer!`](crate::export_renderer) and
//! [`export_utility!`](crate::export_utility) have in common.

/// Exports `$ty`, an implementation of world trait `$trait`, as the
/// component's world `$world` (a module of `__internal`), whose events
/// interface is `$events` and export macro `$export_macro`.
///
/// It keeps the one value of `$ty` the component holds for its whole life,
/// reachable with `with_state`, and implements the calls every world
/// receives: `on-port-message` and `on-port-close`, and with `invoked_by_main`
/// a `handle` whose request always comes from main. `$methods` are the
/// world's other calls.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_world {
    (
        $ty:ty, $trait:path, $world:ident, $events:ident, $export_macro:ident,
        invoked_by_main { $($methods:tt)* }
    ) => {
        $crate::__export_world!($ty, $trait, $world, $events, $export_macro, {
            fn handle(
                channel: ::std::string::String,
                payload: $crate::Payload,
            ) -> ::core::result::Result<$crate::Payload, $crate::HandlerError> {
                let request = $crate::Request {
                    sender: $crate::Sender::Main,
                    channel,
                    payload,
                    ports: ::std::vec::Vec::new(),
                };
                with_state(|state| <$ty as $trait>::handle(state, request))
            }

            $($methods)*
        });
    };
    (
        $ty:ty, $trait:path, $world:ident, $events:ident, $export_macro:ident,
        { $($methods:tt)* }
    ) => {
        const _: () = {
            ::std::thread_local! {
                static STATE: ::core::cell::RefCell<$ty> =
                    ::core::cell::RefCell::new(<$ty as ::core::default::Default>::default());
            }

            /// Runs `call` on the component's value. Calls into a component
            /// never overlap, so the borrow is always free.
            fn with_state<R>(call: impl ::core::ops::FnOnce(&mut $ty) -> R) -> R {
                STATE.with_borrow_mut(call)
            }

            struct Export;

            impl $crate::__internal::$world::exports::wasmtron::app::$events::Guest for Export {
                $($methods)*

                fn on_port_message(
                    port: u64,
                    data: $crate::Payload,
                    ports: ::std::vec::Vec<$crate::__internal::RawMessagePort>,
                ) {
                    let message = $crate::ports::PortMessage {
                        port,
                        data,
                        ports: $crate::__internal::ports(ports),
                    };
                    with_state(|state| <$ty as $trait>::on_port_message(state, message));
                }

                fn on_port_close(port: u64) {
                    with_state(|state| <$ty as $trait>::on_port_close(state, port));
                }
            }

            $crate::__internal::$world::$export_macro!(
                Export with_types_in $crate::__internal::$world
            );
        };
    };
}
