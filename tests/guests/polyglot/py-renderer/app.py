"""A wasmtron renderer component written in Python (componentize-py).

It drives the test probe page (tests/fixtures/probe.html) like the
JavaScript renderer does: `#invoke` invokes main on `#channel` with `#arg`,
and what comes back lands in `#result`; pushes land in `#pushes`. Everything
it writes starts with "py:", so the page shows who wrote it.
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import bridge, dom, log, ports
from wit_world.imports.types import HandlerError

from wasmtron_msgpack import pack, unpack_str

# What the page's inputs hold, by element id.
INPUTS = {"channel": "", "arg": ""}


def kebab(code) -> str:
    """A WIT enum case as WIT spells it (`ErrorCode.NO_HANDLER` → `no-handler`)."""
    return code.name.lower().replace("_", "-")


def show(selector: str, text: str) -> None:
    try:
        dom.set_text(selector, text)
    except Err as err:
        log.log(log.Level.WARN, f"py-renderer: cannot set {selector}: {err.value}")


class RendererEvents(exports.RendererEvents):
    def on_load(self) -> None:
        show("#status", "loaded")

    def on_event(self, event: dom.UiEvent) -> None:
        if event.kind == dom.EventKind.INPUT and event.target in INPUTS:
            INPUTS[event.target] = event.value or ""
            return
        if event.kind == dom.EventKind.CLICK and event.target == "invoke":
            try:
                reply = bridge.invoke(INPUTS["channel"], pack(INPUTS["arg"]))
                text = f"py:ok:{unpack_str(reply) or '?'}"
            except Err as err:
                text = f"py:err:{kebab(err.value.code)}:{err.value.message}"
            show("#result", text)

    def on_push(self, channel: str, payload: bytes, ports: list[ports.MessagePort]) -> None:
        show("#pushes", f"py:{channel}:{unpack_str(payload) or '?'}")
        for port in ports:
            port.__exit__(None, None, None)

    def on_port_message(self, port: int, data: bytes, ports: list[ports.MessagePort]) -> None:
        for extra in ports:
            extra.__exit__(None, None, None)

    def on_port_close(self, port: int) -> None:
        pass

    def handle(self, channel: str, payload: bytes) -> bytes:
        if channel == "echo":
            return pack(f"py:{unpack_str(payload) or '?'}")
        raise Err(HandlerError("no-handler", f"py-renderer has no handler for `{channel}`", None))
