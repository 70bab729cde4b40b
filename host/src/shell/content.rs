//! The app's own content for its pages (`@content/...`): each request is a
//! call of `wasmtron:app/content.serve` on the provider the window's
//! manifest names, main or a utility, under that provider's quotas (message
//! size, timeout, CPU time per call). The page gets the bytes with the
//! provider's MIME type, or an HTTP status: 404 for `not-found`, 500 for
//! `failed`, 502 when the provider broke its contract or ended, 503 when
//! there is no provider.

use std::sync::Arc;

use std::future::Future;
use std::pin::Pin;

use super::Shell;
use crate::capabilities::contracts::serve_type;
use crate::ipc::{IpcError, Sender};
use crate::mailbox::MainCall;
use crate::manifest::Provider;
use crate::ports::{Holder, PortId};
use crate::window::{ContentAnswer, ContentRequest};
use wasmtron_wire::value::{self, Value};
use wasmtron_worker::typed::{CONTENT_INTERFACE, FunctionType};

impl Shell {
    /// Answers a page's request for content of window `label`.
    pub(super) fn serve_content(self: &Arc<Self>, label: String, request: ContentRequest) {
        let provider = self
            .manifest
            .windows
            .iter()
            .find(|w| w.label == label)
            .and_then(|w| w.content.clone());
        let Some(provider) = provider else {
            request.answer.answer(Err((
                404,
                format!("window `{label}` has no content provider"),
            )));
            return;
        };
        let limits = self
            .manifest
            .windows
            .iter()
            .find(|w| w.label == label)
            .map(|w| w.limits)
            .unwrap_or_default();
        let Some(waiting) = Requests::count(self, &label, limits.max_pending_invokes) else {
            request.answer.answer(Err((
                503,
                format!(
                    "window `{label}`'s page has {} content requests waiting, its `max-pending-invokes`",
                    limits.max_pending_invokes
                ),
            )));
            return;
        };
        let deadline = std::time::Duration::from_millis(limits.invoke_timeout_ms);
        let ty = serve_type();
        let args = Value::Record(vec![
            Value::String(label.clone()),
            Value::String(request.path.clone()),
            Value::String(request.query.clone()),
        ]);
        let bytes = match value::encode_all(&[args], &ty.param_types()) {
            Ok(bytes) => bytes,
            Err(err) => {
                request.answer.answer(Err((500, err.to_string())));
                return;
            }
        };
        let caller = Sender::Window(label.clone());
        let running = provider_call(
            self,
            &provider,
            caller,
            CONTENT_INTERFACE.to_owned(),
            "serve".to_owned(),
            bytes,
        );
        tokio::spawn(async move {
            let answer = match tokio::time::timeout(deadline, running).await {
                Ok(results) => answer_of(&provider, results, &ty),
                Err(_) => Err((
                    504,
                    format!(
                        "{provider} did not serve within {} ms",
                        deadline.as_millis()
                    ),
                )),
            };
            drop(waiting);
            request.answer.answer(answer);
        });
    }
}

/// A page's content request waiting for its provider, counted against the
/// window's `max-pending-invokes` until it drops: a page that asks in a loop
/// fills neither main's mailbox nor a provider's queue.
struct Requests {
    shell: Arc<Shell>,
    label: String,
}

impl Requests {
    fn count(shell: &Arc<Shell>, label: &str, limit: usize) -> Option<Self> {
        let mut waiting = super::lock(&shell.content_requests);
        let count = waiting.entry(label.to_owned()).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Requests {
            shell: shell.clone(),
            label: label.to_owned(),
        })
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        let mut waiting = super::lock(&self.shell.content_requests);
        if let Some(count) = waiting.get_mut(&self.label) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                waiting.remove(&self.label);
            }
        }
    }
}

/// A call that moves no ports to main or to a utility's provider
/// instance; the future has the encoded results. Ports the results move
/// anyway have nowhere to go and are closed.
fn provider_call(
    shell: &Arc<Shell>,
    provider: &Provider,
    caller: Sender,
    interface: String,
    function: String,
    args: Vec<u8>,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, IpcError>> + Send>> {
    let refuse = |err: IpcError| -> Pin<Box<dyn Future<Output = _> + Send>> {
        Box::pin(std::future::ready(Err(err)))
    };
    let close = |shell: &Shell, holder: Holder, ports: &[PortId]| {
        for port in ports {
            shell.ports.close(holder, *port);
        }
    };
    match provider {
        Provider::Main => {
            let Some(main) = &shell.main else {
                return refuse(IpcError::target_gone("the main component"));
            };
            let (reply, answer) = tokio::sync::oneshot::channel();
            let posted = main.post(MainCall::Call {
                sender: caller,
                interface,
                function,
                args,
                ports: Vec::new(),
                reply,
                queued: None,
            });
            if posted.is_err() {
                return refuse(IpcError::target_gone("the main component"));
            }
            let shell = shell.clone();
            Box::pin(async move {
                let (bytes, moved) = answer
                    .await
                    .unwrap_or_else(|_| Err(IpcError::target_gone("the main component")))?;
                close(&shell, Holder::Main, &moved);
                Ok(bytes)
            })
        }
        Provider::Utility(name) => {
            let worker = match shell.provider_worker(name) {
                Ok(worker) => worker,
                Err(err) => return refuse(err),
            };
            let holder = Holder::Worker(worker.id);
            match worker.call(caller, interface, function, args, Vec::new()) {
                Ok(answer) => {
                    let shell = shell.clone();
                    Box::pin(async move {
                        let (bytes, moved) = answer.await?;
                        close(&shell, holder, &moved);
                        Ok(bytes)
                    })
                }
                Err(err) => refuse(err),
            }
        }
        Provider::Native(_) | Provider::Page => refuse(IpcError::new(
            crate::ipc::ErrorCode::Denied,
            format!("{provider} cannot serve content"),
        )),
    }
}

/// What the page gets for the provider's results.
fn answer_of(
    provider: &Provider,
    results: Result<Vec<u8>, crate::ipc::IpcError>,
    ty: &FunctionType,
) -> ContentAnswer {
    let bytes = results.map_err(|err| (502, format!("{provider} did not serve: {err}")))?;
    let values = value::decode_all(&bytes, &ty.results, 0)
        .map_err(|err| (502, format!("{provider} answered out of type: {err}")))?;
    match values.as_slice() {
        [Value::Result(Ok(Some(response)))] => match &**response {
            Value::Record(fields) => match fields.as_slice() {
                [Value::String(mime), Value::Bytes(body)] => Ok((mime.clone(), body.clone())),
                [Value::String(mime), Value::List(items)] => {
                    let body = items
                        .iter()
                        .map(|item| match item {
                            Value::U8(byte) => Ok(*byte),
                            _ => Err((502, "a body byte is not a u8".to_owned())),
                        })
                        .collect::<Result<Vec<u8>, _>>()?;
                    Ok((mime.clone(), body))
                }
                _ => Err((502, "the response is not a mime and a body".to_owned())),
            },
            _ => Err((502, "the response is not a record".to_owned())),
        },
        [Value::Result(Err(Some(error)))] => match &**error {
            Value::Variant(0, _) => Err((404, format!("{provider}: not found"))),
            Value::Variant(_, Some(why)) => Err((500, format!("{provider} failed: {why:?}"))),
            _ => Err((500, format!("{provider} failed"))),
        },
        _ => Err((502, format!("{provider} answered out of type"))),
    }
}
