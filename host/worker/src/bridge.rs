//! The worker worlds' imports, implemented on the worker side: `bridge`,
//! `dom`, `parent-port` and `log` become messages to the host.

use super::state::WorkerState;
use crate::bindings::renderer::wasmtron::app::{bridge as wit_bridge, dom as wit_dom};
use crate::bindings::shared::ports::MessagePort;
use crate::bindings::shared::{log as wit_log, types as wit_types};
use crate::bindings::utility::wasmtron::app::parent_port as wit_parent_port;
use crate::convert::{ipc_error_to_wit, level_from_wit};
use crate::message_port;
use wasmtime::component::Resource;
use wasmtron_wire::DomOp;
use wasmtron_wire::IpcError;

impl wit_types::Host for WorkerState {}

impl crate::bindings::utility::wasmtron::app::calls::Host for WorkerState {
    async fn caller(&mut self) -> Option<wit_types::Sender> {
        self.caller.clone().map(crate::convert::sender_to_wit)
    }
}

impl crate::typed::CallOut for WorkerState {
    async fn call_out(
        &mut self,
        interface: String,
        function: String,
        args: Vec<u8>,
        transfer: Vec<u64>,
    ) -> Result<(Vec<u8>, Vec<wasmtron_wire::PortRef>), IpcError> {
        self.bridge.call(interface, function, args, transfer).await
    }
}

impl wit_log::Host for WorkerState {
    async fn log(&mut self, level: wit_log::Level, message: String) {
        self.bridge.log(level_from_wit(level), message);
        self.bridge.let_writer_run().await;
    }
}

impl wit_parent_port::Host for WorkerState {
    async fn post_message(
        &mut self,
        payload: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        let limit = self.bridge.limits().max_message_bytes;
        let checked = if payload.len() > limit {
            Err(IpcError::too_large("the payload", payload.len(), limit))
        } else {
            self.bridge.take_rate()
        };
        if let Err(err) = checked {
            message_port::discard_all(self, transfer);
            return Err(ipc_error_to_wit(err));
        }
        let transfer = message_port::take_transfer(self, transfer, None)
            .await
            .map_err(|err| ipc_error_to_wit(message_port::transfer_error(err)))?;
        let posted = self
            .bridge
            .post(payload, transfer)
            .map_err(ipc_error_to_wit);
        self.bridge.let_writer_run().await;
        posted
    }
}

impl wit_bridge::Host for WorkerState {
    async fn invoke(
        &mut self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, wit_types::IpcError> {
        self.bridge
            .invoke(channel, payload)
            .await
            .map_err(ipc_error_to_wit)
    }

    async fn send(&mut self, channel: String, payload: Vec<u8>) -> Result<(), wit_types::IpcError> {
        let sent = self
            .bridge
            .send(channel, payload, Vec::new())
            .map_err(ipc_error_to_wit);
        self.bridge.let_writer_run().await;
        sent
    }

    async fn post_message(
        &mut self,
        channel: String,
        payload: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        if let Err(err) = self.bridge.check(&channel, payload.len()) {
            message_port::discard_all(self, transfer);
            return Err(ipc_error_to_wit(err));
        }
        let transfer = message_port::take_transfer(self, transfer, None)
            .await
            .map_err(|err| ipc_error_to_wit(message_port::transfer_error(err)))?;
        let sent = self
            .bridge
            .send(channel, payload, transfer)
            .map_err(ipc_error_to_wit);
        self.bridge.let_writer_run().await;
        sent
    }
}

impl wit_dom::Host for WorkerState {
    async fn set_text(&mut self, selector: String, text: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetText { selector, text }).await
    }

    async fn set_html(&mut self, selector: String, html: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetHtml { selector, html }).await
    }

    async fn set_attribute(
        &mut self,
        selector: String,
        name: String,
        value: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge
            .dom(DomOp::SetAttribute {
                selector,
                name,
                value,
            })
            .await
    }

    async fn remove_attribute(
        &mut self,
        selector: String,
        name: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge
            .dom(DomOp::RemoveAttribute { selector, name })
            .await
    }

    async fn add_class(&mut self, selector: String, name: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::AddClass { selector, name }).await
    }

    async fn remove_class(
        &mut self,
        selector: String,
        name: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::RemoveClass { selector, name }).await
    }

    async fn set_value(
        &mut self,
        selector: String,
        value: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetValue { selector, value }).await
    }
}
