//! A window's page and its renderer, typed both ways: the page's scripts
//! call the functions of the renderer's page API (`page-api` in the
//! manifest), and the renderer's calls of an interface its manifest binds
//! to `"page"` become events for the page's listeners.
//!
//! Everything from the page is hostile. A call names a function by its
//! JavaScript name, which must be one of the page API's; its arguments
//! must fit the function's parameter types before anything reaches the
//! renderer; a page may have only so many calls waiting.

use std::sync::Arc;

use super::{Shell, lock};
use crate::capabilities::contracts::FunctionType;
use crate::ipc::{CallFuture, CallReply, ErrorCode, IpcError, Sender};
use crate::manifest::bindings::unversioned;
use crate::ports::Carried;
use crate::window::{PageAnswer, PageFailure};
use wasmtron_wire::page_value::{self, PageOutcome};
use wasmtron_wire::value::{self, Type, Value};

/// A page call waiting for its renderer, counted against the window's
/// `max-pending-invokes` until it drops. Counted per renderer (label and
/// generation): a reloaded page is not held to its predecessor's calls.
struct Waiting {
    shell: Arc<Shell>,
    key: (String, u64),
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut waiting = lock(&self.shell.page_calls);
        if let Some(count) = waiting.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                waiting.remove(&self.key);
            }
        }
    }
}

/// `err` as the page sees it.
fn failure(err: &IpcError) -> PageFailure {
    PageFailure::new(err.code.as_str(), err.message.clone())
}

impl Shell {
    /// Runs page call `id` of window `label` and settles it in the page.
    pub(super) fn page_call(
        self: &Arc<Self>,
        label: String,
        id: u64,
        function: String,
        args: serde_json::Value,
    ) {
        match self.start_page_call(&label, &function, &args) {
            Ok(running) => {
                let shell = self.clone();
                tokio::spawn(async move {
                    let answer = running.await;
                    shell.backend.settle(&label, id, answer);
                });
            }
            Err(failure) => {
                let function = shorten(&function);
                tracing::debug!(window = %label, %function, code = %failure.code, "page call refused");
                self.backend.settle(&label, id, Err(failure));
            }
        }
    }

    /// Checks a page call and sends it to the renderer: the call is on its
    /// way when this returns (so calls reach the renderer in the order the
    /// page made them), and the future waits for the answer.
    fn start_page_call(
        self: &Arc<Self>,
        label: &str,
        function: &str,
        args: &serde_json::Value,
    ) -> Result<impl Future<Output = PageAnswer> + Send + 'static, PageFailure> {
        let Some(api) = self.contracts.page_api(label) else {
            return Err(PageFailure::new(
                ErrorCode::NoHandler.as_str(),
                format!("window `{label}` has no page API: its manifest names no `page-api`"),
            ));
        };
        let interface = unversioned(&api.interface).to_owned();
        let Some((name, ty)) = api
            .functions
            .iter()
            .find(|(name, _)| page_value::js_name(name) == function)
        else {
            let known: Vec<String> = api
                .functions
                .keys()
                .map(|n| page_value::js_name(n))
                .collect();
            return Err(PageFailure::new(
                ErrorCode::NoHandler.as_str(),
                format!(
                    "the page API `{interface}` has no function `{}`; it has {}",
                    shorten(function),
                    known.join(", ")
                ),
            ));
        };
        let ty: FunctionType = ty.clone();
        let bad = |why: String| {
            PageFailure::new(
                ErrorCode::BadPayload.as_str(),
                format!("the arguments of `{function}` do not fit `{ty}`: {why}"),
            )
        };
        // Counted before the arguments are read: a page at its limit costs
        // the host nothing more.
        let (renderer, generation) = self
            .renderer_and_generation(label)
            .map_err(|e| failure(&e))?;
        let waiting = self.count_page_call(label, generation)?;
        let values =
            page_value::args_from_page(args, &ty.params).map_err(|e| bad(e.to_string()))?;
        let bytes =
            value::encode_all(&values, &ty.param_types()).map_err(|e| bad(e.to_string()))?;
        let answer = renderer
            .call(
                Sender::Window(label.to_owned()),
                interface,
                name.clone(),
                bytes,
                Vec::new(),
            )
            .map_err(|e| failure(&e))?;
        let shown = function.to_owned();
        Ok(async move {
            let answer = answer.await;
            drop(waiting);
            let (bytes, moved) = answer.map_err(|e| failure(&e))?;
            // The check refused page APIs with ports; a renderer replaced
            // by one that moves some anyway is answered without them.
            let ports = u32::try_from(moved.len()).unwrap_or(u32::MAX);
            let results: Vec<Value> =
                value::decode_all(&bytes, &ty.results, ports).map_err(|e| {
                    PageFailure::new(
                        ErrorCode::HandlerFailed.as_str(),
                        format!("the results of `{shown}` are not its types: {e}"),
                    )
                })?;
            match page_value::results_to_page(&results, &ty.results) {
                Ok(PageOutcome::Value(value)) => Ok(value),
                Ok(PageOutcome::Error(payload)) => Err(PageFailure {
                    code: "rejected".to_owned(),
                    message: format!("`{shown}` returned an error"),
                    payload: Some(payload),
                }),
                Err(e) => Err(PageFailure::new(
                    ErrorCode::HandlerFailed.as_str(),
                    format!("the results of `{shown}` cannot reach the page: {e}"),
                )),
            }
        })
    }

    /// Counts one more page call of window `label`, or refuses it when the
    /// page has as many waiting as its renderer's `max-pending-invokes`.
    fn count_page_call(
        self: &Arc<Self>,
        label: &str,
        generation: u64,
    ) -> Result<Waiting, PageFailure> {
        let limit = self
            .manifest
            .windows
            .iter()
            .find(|w| w.label == label)
            .map_or(0, |w| w.limits.max_pending_invokes);
        let key = (label.to_owned(), generation);
        let mut waiting = lock(&self.page_calls);
        let count = waiting.entry(key.clone()).or_default();
        if *count >= limit {
            return Err(PageFailure::new(
                ErrorCode::LimitExceeded.as_str(),
                format!("the page has {limit} calls waiting, its renderer's `max-pending-invokes`"),
            ));
        }
        *count += 1;
        Ok(Waiting {
            shell: self.clone(),
            key,
        })
    }

    /// A renderer's call of an interface its manifest binds to its page:
    /// an event for the page's listeners, named by the function's
    /// JavaScript name, with the arguments as they get them.
    pub(super) fn emit_to_page(
        &self,
        caller: &Sender,
        interface: &str,
        function: &str,
        args: &[u8],
    ) -> CallFuture {
        let answer = self.emit_checked(caller, interface, function, args);
        Box::pin(std::future::ready(answer))
    }

    fn emit_checked(
        &self,
        caller: &Sender,
        interface: &str,
        function: &str,
        args: &[u8],
    ) -> Result<CallReply, IpcError> {
        let Sender::Window(label) = caller else {
            return Err(IpcError::new(
                ErrorCode::Denied,
                format!("{caller} has no page"),
            ));
        };
        let ty = self
            .contracts
            .page_events(label, interface)
            .and_then(|bound| bound.functions.iter().find(|(name, _)| name == function))
            .map(|(_, ty)| ty.clone())
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::NoHandler,
                    format!("`{interface}.{function}` is not an event of window `{label}`'s page"),
                )
            })?;
        let values = value::decode_all(args, &ty.param_types(), 0).map_err(|e| {
            IpcError::new(
                ErrorCode::BadPayload,
                format!("the arguments of `{interface}.{function}` are not its types: {e}"),
            )
        })?;
        let page_args = page_value::args_to_page(&values, &ty.params).map_err(|e| {
            IpcError::new(
                ErrorCode::BadPayload,
                format!("`{interface}.{function}` cannot reach the page: {e}"),
            )
        })?;
        if lock(&self.windows).get(label).is_none() {
            return Err(IpcError::target_gone(&format!("window `{label}`")));
        }
        self.backend
            .emit(label, &page_value::js_name(function), page_args);
        // An event has nothing to answer; a function that can carry the
        // failure gets `ok`.
        let results = match ty.results.as_slice() {
            [Type::Result { .. }] => vec![Value::Result(Ok(None))],
            _ => Vec::new(),
        };
        let bytes = value::encode_all(&results, &ty.results).map_err(|e| {
            IpcError::new(
                ErrorCode::HandlerFailed,
                format!("cannot answer the event: {e}"),
            )
        })?;
        Ok(CallReply {
            bytes,
            ports: Vec::new(),
            carried: Carried::default(),
        })
    }
}

/// At most 60 characters of a name the page sent, for messages.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
