//! Main's `ports` imports. Main runs in the host, so its port operations go
//! straight to the port table and their errors come back at once; the
//! logic of a handle is the worker's, over this backend.

use wasmtime::component::Resource;
use wasmtron_wire::Limits;
use wasmtron_wire::link::Room;
use wasmtron_worker::HeldPorts;
use wasmtron_worker::message_port::{self, PortBackend};

use super::main::MainState;
use crate::bindings::main::wasmtron::app::ports as wit_ports;
use crate::mailbox::MainCall;
use crate::ports::{Holder, PortError, PortId, PortRef};

type MessagePort = wit_ports::MessagePort;

impl MainState {
    /// Handles for ports arriving with a call.
    pub(super) fn adopt_ports(&mut self, ports: Vec<PortRef>) -> Vec<Resource<MessagePort>> {
        ports
            .into_iter()
            .map(|port| message_port::adopt(self, port))
            .collect()
    }
}

impl PortBackend for MainState {
    type Message = MainCall;

    fn held(&mut self) -> &mut HeldPorts<MainCall> {
        &mut self.ports
    }

    fn limits(&self) -> Limits {
        self.shell.limits()
    }

    fn admit(&mut self, _this: PortRef) -> Result<(), PortError> {
        // Main is not rate-limited, and its posts to itself wait in the
        // port table, which bounds them.
        Ok(())
    }

    fn room(&self, port: PortId) -> Option<Room> {
        self.shell.ports().main_room(port)
    }

    fn close(&mut self, port: PortId) {
        self.ports.mark_closed(port);
        self.shell.ports().close(Holder::Main, port);
    }

    fn leave(&mut self, _port: PortId) {}

    fn requeue(&mut self, message: MainCall) {
        MainState::requeue(self, message);
    }

    async fn release(&mut self, leaving: Vec<PortId>) {
        self.shell.ports().release_main_links(&leaving).await;
    }

    fn send(&mut self, this: PortRef, data: Vec<u8>, moved: &[PortId]) -> Result<(), PortError> {
        self.shell
            .ports()
            .post(Holder::Main, this.id, data, moved, false)
    }
}

impl MainState {
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
}

impl wit_ports::Host for MainState {
    async fn create_channel(&mut self) -> (Resource<MessagePort>, Resource<MessagePort>) {
        let (a, b) = self.shell.ports().table.create(Holder::Main);
        (message_port::adopt(self, a), message_port::adopt(self, b))
    }
}

impl wit_ports::HostMessagePort for MainState {
    async fn id(&mut self, port: Resource<MessagePort>) -> u64 {
        message_port::id(self, &port)
    }

    async fn post_message(
        &mut self,
        port: Resource<MessagePort>,
        data: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_ports::PortError> {
        message_port::post(self, &port, data, transfer).await
    }

    async fn start(&mut self, port: Resource<MessagePort>) {
        message_port::start(self, &port);
    }

    async fn close(&mut self, port: Resource<MessagePort>) {
        message_port::close(self, &port);
    }

    async fn drop(&mut self, port: Resource<MessagePort>) -> wasmtime::Result<()> {
        message_port::drop(self, port);
        Ok(())
    }
}
