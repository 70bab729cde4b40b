//! The caller's end of typed calls: each function of an app interface a
//! component imports is a host function that encodes its arguments with
//! the caller's types, calls out, and reads the results against the same
//! types, or carries or traps on a failure ([`carrier`](super::carrier)).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use wasmtime::component::{Component, Linker};
use wasmtron_wire::world::unversioned;

use super::bulk;
use super::import::{Import, Shape};
use super::{CallOut, app_imports, carrier, take_ports};
use crate::message_port::PortBackend;

/// Defines every app interface `component` imports in `linker`, each
/// function a host function that calls out through the store's
/// [`CallOut`]: a typed one when its values are bytes ([`bulk`]), else a
/// dynamic one.
///
/// # Errors
/// When an interface cannot be carried ([`app_imports`]) or the linker
/// refuses a definition.
pub fn link_imports<T>(linker: &mut Linker<T>, component: &Component) -> anyhow::Result<()>
where
    T: CallOut + PortBackend + Send + 'static,
    T::Message: Send,
{
    let imports = app_imports(linker.engine(), component)?;
    for interface in imports {
        let mut instance = linker.instance(&interface.name)?;
        for (function, ty) in interface.functions {
            let params = ty.param_types();
            let import = Arc::new(Import {
                interface: unversioned(&interface.name).to_owned(),
                shown: format!("{}.{function}", unversioned(&interface.name)),
                function: function.clone(),
                carrier: carrier(&ty.results),
                bulk: Shape::of(&params, &ty.results),
                params,
                results: ty.results,
                size: AtomicUsize::new(0),
            });
            if let Some(shape) = import.bulk {
                bulk::link(&mut instance, &function, import, shape)?;
                continue;
            }
            instance.func_new_async(&function, move |mut store, _ty, params, results| {
                let import = import.clone();
                Box::new(async move {
                    let (args, ports) = import.encode(params)?;
                    let reply = match take_ports(&mut store, ports).await {
                        Ok(transfer) => {
                            let (interface, function) =
                                (import.interface.clone(), import.function.clone());
                            store
                                .data_mut()
                                .call_out(interface, function, args, transfer)
                                .await
                        }
                        Err(err) => Err(err),
                    };
                    import.finish(&mut store, reply, results)
                })
            })?;
        }
    }
    Ok(())
}
