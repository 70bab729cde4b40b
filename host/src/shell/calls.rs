//! Typed calls, routed: each caller's binding in the manifest names its
//! provider (main, a utility, a native provider), and the call goes there.
//! A utility that provides is started on the first call to it, as an
//! instance of its own (`NAME:provider`), and started again on the next
//! call after it ends.

use std::sync::Arc;

use super::utilities::UtilityOptions;
use super::{Shell, lock};
use crate::capabilities::contracts::NativeProvider;
use crate::ipc::{CallFuture, CallReply, Calls, ErrorCode, IpcError, OutCall, Sender};
use crate::mailbox::{MainCall, Queued};
use crate::manifest::{Importer, Provider};
use crate::ports::{Carried, Holder, PortId, PortRef};
use crate::supervisor::Worker;
use wasmtron_wire::value;

/// A native provider's call: the encoded results.
type NativeFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, IpcError>> + Send>>;

/// The instance name of the utility that serves `name`'s typed calls.
pub(crate) fn provider_instance(name: &str) -> String {
    format!("{name}:provider")
}

impl Shell {
    /// Who `sender` is in the manifest: a utility instance is its declared
    /// utility.
    fn importer(&self, sender: &Sender) -> Option<Importer> {
        Some(match sender {
            Sender::Main => Importer::Main,
            Sender::Window(label) => Importer::Window(label.clone()),
            Sender::Utility(instance) => Importer::Utility(self.declared_utility(instance)?),
        })
    }

    /// The provider `caller`'s manifest binding names for `interface`.
    fn provider_for(&self, caller: &Sender, interface: &str) -> Option<Provider> {
        let importer = self.importer(caller)?;
        self.manifest.provider(&importer, interface).cloned()
    }

    /// The running instance that serves utility `name`'s typed calls,
    /// started now if none runs.
    pub(super) fn provider_worker(&self, name: &str) -> Result<Arc<Worker>, IpcError> {
        let instance = provider_instance(name);
        // One start at a time, so two first calls start one instance.
        let _starting = lock(&self.providers_starting);
        if let Some(worker) = self.running_instance(&instance) {
            return Ok(worker);
        }
        self.free_if_ended(&instance);
        tracing::debug!(%instance, "starting a provider");
        let options = UtilityOptions {
            service_name: Some(instance),
            ..UtilityOptions::default()
        };
        self.fork(name, options)
            .map(|(worker, _)| worker)
            .map_err(|err| {
                // A quota is named as one; anything else leaves no provider.
                let code = match err {
                    super::ForkError::TooManyInstances { .. } => ErrorCode::LimitExceeded,
                    _ => ErrorCode::TargetGone,
                };
                IpcError::new(
                    code,
                    format!("utility `{name}` cannot start to answer: {err}"),
                )
            })
    }

    fn call_native(
        provider: &NativeProvider,
        caller: Sender,
        interface: String,
        function: String,
        args: &[u8],
    ) -> NativeFuture {
        let ty = provider
            .interfaces
            .iter()
            .find(|i| crate::manifest::bindings::unversioned(&i.name) == interface)
            .and_then(|i| i.functions.get(&function))
            .cloned();
        let Some(ty) = ty else {
            let err = IpcError::new(
                ErrorCode::NoHandler,
                format!("the native provider does not provide `{interface}.{function}`"),
            );
            return Box::pin(std::future::ready(Err(err)));
        };
        let params = match value::decode_all(args, &ty.param_types(), 0) {
            Ok(params) => params,
            Err(err) => {
                let err = IpcError::new(
                    ErrorCode::BadPayload,
                    format!("the arguments of `{interface}.{function}` are not its types: {err}"),
                );
                return Box::pin(std::future::ready(Err(err)));
            }
        };
        let shown = format!("{interface}.{function}");
        let running = (provider.call)(caller, interface, function, params);
        Box::pin(async move {
            let results = running.await?;
            value::encode_all(&results, &ty.results).map_err(|err| {
                IpcError::new(
                    ErrorCode::HandlerFailed,
                    format!("the native results of `{shown}` are not its types: {err}"),
                )
            })
        })
    }
}

impl Shell {
    /// Moves `ports` from `from` to `to` with a message, or closes them
    /// when they cannot move.
    fn move_ports(
        &self,
        from: Holder,
        ports: &[PortId],
        to: Holder,
    ) -> Result<(Vec<PortRef>, Carried), IpcError> {
        if ports.is_empty() {
            return Ok((Vec::new(), Carried::default()));
        }
        self.ports.transfer(from, ports, to).map_err(|err| {
            for port in ports {
                self.ports.close(from, *port);
            }
            IpcError::new(ErrorCode::Denied, err.to_string())
        })
    }

    /// The results of a call a provider answered, with the ports they move
    /// taken from the provider (`provider`) to the caller (`caller`).
    fn deliver_results(
        &self,
        answer: Result<(Vec<u8>, Vec<PortId>), IpcError>,
        provider: Holder,
        caller: Holder,
    ) -> Result<CallReply, IpcError> {
        let (bytes, moved) = answer?;
        let (ports, carried) = self.move_ports(provider, &moved, caller)?;
        Ok(CallReply {
            bytes,
            ports,
            carried,
        })
    }

    /// Closes the ports a call moved that will not reach a provider.
    fn close_ports(&self, holder: Holder, ports: &[PortId]) {
        for port in ports {
            self.ports.close(holder, *port);
        }
    }
}

impl Calls for Shell {
    fn call(&self, call: OutCall, queued: Option<Queued>) -> CallFuture {
        let refuse = |err: IpcError| -> CallFuture { Box::pin(std::future::ready(Err(err))) };
        let OutCall {
            caller,
            holder,
            interface,
            function,
            args,
            transfer,
        } = call;
        let refused = |err: IpcError| {
            self.close_ports(holder, &transfer);
            refuse(err)
        };
        let Some(provider) = self.provider_for(&caller, &interface) else {
            return refused(IpcError::new(
                ErrorCode::Denied,
                format!("{caller} has no provider bound for `{interface}`"),
            ));
        };
        let Some(me) = self.me.upgrade() else {
            return refused(IpcError::target_gone("the app"));
        };
        match provider {
            Provider::Main => {
                let Some(main) = &self.main else {
                    return refused(IpcError::target_gone("the main component"));
                };
                if self.main_is_waiting_on(&caller) {
                    // Main's call into the caller waits for this one, which
                    // would wait for main: refused now, not at the timeout.
                    return refused(IpcError::new(
                        ErrorCode::Denied,
                        format!(
                            "main is waiting on {caller} (an invoke or typed call in progress); a call from it to main would deadlock"
                        ),
                    ));
                }
                let (ports, carried) = match self.move_ports(holder, &transfer, Holder::Main) {
                    Ok(moved) => moved,
                    Err(err) => return refuse(err),
                };
                let (reply, answer) = tokio::sync::oneshot::channel();
                let posted = main.post(MainCall::Call {
                    sender: caller,
                    interface,
                    function,
                    args,
                    ports,
                    reply,
                    queued,
                });
                self.ports.flush(carried);
                if posted.is_err() {
                    return refuse(IpcError::target_gone("the main component"));
                }
                Box::pin(async move {
                    let answer = answer
                        .await
                        .unwrap_or_else(|_| Err(IpcError::target_gone("the main component")));
                    me.deliver_results(answer, Holder::Main, holder)
                })
            }
            Provider::Utility(name) => {
                let worker = match self.provider_worker(&name) {
                    Ok(worker) => worker,
                    Err(err) => return refused(err),
                };
                let to = Holder::Worker(worker.id);
                let (ports, carried) = match self.move_ports(holder, &transfer, to) {
                    Ok(moved) => moved,
                    Err(err) => return refuse(err),
                };
                let waiting = (caller == Sender::Main)
                    .then(|| self.main_waits_on(Sender::Utility(worker.name.clone())));
                let moved: Vec<PortId> = ports.iter().map(|p| p.id).collect();
                let sent = worker.call(caller, interface, function, args, ports);
                self.ports.flush(carried);
                match sent {
                    Ok(answer) => Box::pin(async move {
                        let _waiting = waiting;
                        me.deliver_results(answer.await, to, holder)
                    }),
                    // Refused (too large for the provider, or it ended as
                    // the call left): the ports it would have had close.
                    Err(err) => {
                        self.close_ports(to, &moved);
                        refuse(err)
                    }
                }
            }
            Provider::Page if !transfer.is_empty() => refused(IpcError::new(
                ErrorCode::Denied,
                "a page cannot take ports".to_owned(),
            )),
            Provider::Page => self.emit_to_page(&caller, &interface, &function, &args),
            Provider::Native(name) => match self.natives.get(&name) {
                Some(_) if !transfer.is_empty() => refused(IpcError::new(
                    ErrorCode::Denied,
                    format!("native provider `{name}` cannot take ports"),
                )),
                Some(native) => {
                    let running = Shell::call_native(native, caller, interface, function, &args);
                    Box::pin(async move {
                        running.await.map(|bytes| CallReply {
                            bytes,
                            ports: Vec::new(),
                            carried: Carried::default(),
                        })
                    })
                }
                None => refused(IpcError::target_gone(&format!("native provider `{name}`"))),
            },
        }
    }

    fn goes_to_main(&self, caller: &Sender, interface: &str) -> bool {
        matches!(self.provider_for(caller, interface), Some(Provider::Main))
    }
}
