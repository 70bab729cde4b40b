//! Main's `ports` imports. Main runs in the host, so its port operations go
//! straight to the port table and their errors come back at once.

use std::time::Duration;

use wasmtime::component::Resource;

use super::main::MainState;
use crate::bindings::main::wasmtron::app::ports as wit_ports;
use crate::mailbox::MainCall;
use crate::ports::{Holder, PortError, PortId, PortRef};
use wasmtron_worker::convert::port_error_to_wit;

type MessagePort = wit_ports::MessagePort;

impl MainState {
    /// Handles for ports arriving with a call.
    pub(super) fn adopt_ports(&mut self, ports: Vec<PortRef>) -> Vec<Resource<MessagePort>> {
        ports
            .into_iter()
            .map(|port| Resource::new_own(self.ports.adopt(port)))
            .collect()
    }

    /// The ports a guest moved into a message; they are main's no longer.
    /// What waited on them goes with them.
    ///
    /// # Errors
    /// A sentence for `limit-exceeded` when a linked port's peer does not
    /// take what main posted on it within `invoke-timeout-ms`: an end moves
    /// only once its writes are done. The ports are closed then.
    pub(super) async fn take_transfer(
        &mut self,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<Vec<PortId>, String> {
        let patience = Duration::from_millis(self.shell.limits().invoke_timeout_ms);
        let rooms: Vec<_> = transfer
            .iter()
            .filter_map(|handle| self.ports.get(handle.rep()))
            .filter_map(|port| self.shell.ports().main_room(port.id))
            .collect();
        for room in rooms {
            if let Err(why) = room.wait_empty(patience).await {
                for handle in transfer {
                    if let Some((port, waiting)) = self.ports.take(handle.rep()) {
                        drop(waiting);
                        self.shell.ports().close(Holder::Main, port.id);
                    }
                }
                return Err(why);
            }
        }
        let mut taken = Vec::with_capacity(transfer.len());
        let mut leaving = Vec::new();
        for handle in transfer {
            let Some((port, waiting)) = self.ports.take(handle.rep()) else {
                continue;
            };
            for call in waiting {
                leaving.extend(crate::ports::Waiting::carries(&call));
                self.requeue(call);
            }
            taken.push(port.id);
            leaving.push(port.id);
        }
        self.shell.ports().release_main_links(&leaving).await;
        Ok(taken)
    }

    /// Hands a port message main will not deliver back to the port table,
    /// for whoever holds the port now.
    pub(super) fn requeue(&self, call: MainCall) {
        if let MainCall::PortMessage {
            port,
            data,
            ports,
            marked,
            ..
        } = call
        {
            let ports = ports.into_iter().map(|p| p.id).collect();
            self.shell
                .ports()
                .requeue(Holder::Main, port, data, ports, marked);
        }
    }

    /// Closes ports whose move failed, so that none is left open with no
    /// handle anywhere.
    pub(super) fn close_all(&self, ports: &[PortId]) {
        for port in ports {
            self.shell.ports().close(Holder::Main, *port);
        }
    }
}

impl wit_ports::Host for MainState {
    async fn create_channel(&mut self) -> (Resource<MessagePort>, Resource<MessagePort>) {
        let (a, b) = self.shell.ports().table.create(Holder::Main);
        (
            Resource::new_own(self.ports.adopt(a)),
            Resource::new_own(self.ports.adopt(b)),
        )
    }
}

impl wit_ports::HostMessagePort for MainState {
    async fn id(&mut self, port: Resource<MessagePort>) -> u64 {
        self.ports.get(port.rep()).map_or(0, |p| p.id)
    }

    async fn post_message(
        &mut self,
        port: Resource<MessagePort>,
        data: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_ports::PortError> {
        let room = self
            .ports
            .get(port.rep())
            .and_then(|this| self.shell.ports().main_room(this.id));
        if let Some(room) = room {
            // The peer's holder reads slower than main posts: wait for it,
            // for as long as an invoke may.
            let patience = Duration::from_millis(self.shell.limits().invoke_timeout_ms);
            if let Err(why) = room.wait(patience).await {
                if let Ok(transfer) = self.take_transfer(transfer).await {
                    self.close_all(&transfer);
                }
                return Err(wit_ports::PortError::LimitExceeded(why));
            }
        }
        let transfer = self
            .take_transfer(transfer)
            .await
            .map_err(wit_ports::PortError::LimitExceeded)?;
        let Some(this) = self.ports.get(port.rep()) else {
            self.close_all(&transfer);
            return Err(wit_ports::PortError::Closed);
        };
        let limit = self.shell.limits().max_message_bytes;
        let posted = PortError::check_size(data.len(), limit).and_then(|()| {
            self.shell
                .ports()
                .post(Holder::Main, this.id, data, &transfer, false)
        });
        posted.map_err(|err| {
            self.close_all(&transfer);
            port_error_to_wit(err)
        })
    }

    async fn start(&mut self, port: Resource<MessagePort>) {
        if let Some(this) = self.ports.get(port.rep()) {
            self.ports.start(this.id);
        }
    }

    async fn close(&mut self, port: Resource<MessagePort>) {
        if let Some(this) = self.ports.get(port.rep()) {
            self.ports.mark_closed(this.id);
            self.shell.ports().close(Holder::Main, this.id);
        }
    }

    async fn drop(&mut self, port: Resource<MessagePort>) -> wasmtime::Result<()> {
        if let Some((this, waiting)) = self.ports.take(port.rep()) {
            self.shell.ports().close(Holder::Main, this.id);
            for call in waiting {
                for carried in crate::ports::Waiting::carries(&call) {
                    self.shell.ports().close(Holder::Main, carried);
                }
            }
        }
        Ok(())
    }
}
