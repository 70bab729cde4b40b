//! The worker worlds' imports, implemented on the worker side: `bridge`,
//! `dom`, `parent-port` and `log` become messages to the host.

use super::state::WorkerState;
use crate::bindings::renderer::wasmtron::app::{bridge as wit_bridge, dom as wit_dom};
use crate::bindings::shared::ports::MessagePort;
use crate::bindings::shared::{log as wit_log, types as wit_types};
use crate::bindings::utility::wasmtron::app::parent_port as wit_parent_port;
use crate::convert::{dom_read_error_to_wit, ipc_error_to_wit, level_from_wit};
use crate::message_port;
use wasmtime::component::Resource;
use wasmtron_wire::IpcError;
use wasmtron_wire::{DomFound, DomOp, DomRead};

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

    async fn get_value(&mut self, selector: String) -> Result<Option<String>, wit_dom::DomError> {
        self.read_text(DomRead::Value { selector }).await
    }

    async fn get_attribute(
        &mut self,
        selector: String,
        name: String,
    ) -> Result<Option<String>, wit_dom::DomError> {
        self.read_text(DomRead::Attribute { selector, name }).await
    }

    async fn get_text(&mut self, selector: String) -> Result<Option<String>, wit_dom::DomError> {
        self.read_text(DomRead::Text { selector }).await
    }

    async fn count(&mut self, selector: String) -> Result<u32, wit_dom::DomError> {
        match self.bridge.read(DomRead::Count { selector }).await {
            Ok(DomFound::Count(count)) => Ok(count),
            Ok(DomFound::Text(_)) => Err(wrong_answer()),
            Err(err) => Err(dom_read_error_to_wit(err)),
        }
    }
}

impl WorkerState {
    /// A read whose answer is text.
    async fn read_text(&mut self, read: DomRead) -> Result<Option<String>, wit_dom::DomError> {
        match self.bridge.read(read).await {
            Ok(DomFound::Text(text)) => Ok(text),
            Ok(DomFound::Count(_)) => Err(wrong_answer()),
            Err(err) => Err(dom_read_error_to_wit(err)),
        }
    }
}

/// The host answered a read with the answer of another kind of read,
/// which it never does.
fn wrong_answer() -> wit_dom::DomError {
    wit_dom::DomError::NoAnswer("an answer of another kind of read".into())
}
