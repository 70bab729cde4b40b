"""A wasmtron utility component written in Python.

componentize-py generates the `wit_world` bindings from wit/ (world
`utility`) while it builds, and bundles CPython, this module and the
bindings into one component. The exported interface `utility-events` is
the class `UtilityEvents` below.

Payloads are MessagePack by the project's convention: `wasmtron_msgpack`
(guest-sdk/python) packs and unpacks them in plain Python.
"""

import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import log, parent_port, ports
from wit_world.imports.types import HandlerError

from wasmtron_msgpack import pack, unpack_str

# Ports the parent sent, all started, by id. Module level, so the state
# does not depend on how often the runtime makes a `UtilityEvents`.
HELD: dict[int, ports.MessagePort] = {}


def tagged(payload: bytes) -> bytes:
    """ "py:" followed by the payload's text ("py:?" when it is not a string)."""
    text = unpack_str(payload)
    return pack("py:" + ("?" if text is None else text))


def post(payload: bytes) -> None:
    try:
        parent_port.post_message(payload, [])
    except Err as err:
        log.log(log.Level.ERROR, f"py-utility: cannot post to the parent: {err.value}")


def post_on(port: ports.MessagePort, payload: bytes) -> None:
    try:
        port.post_message(payload, [])
    except Err as err:
        log.log(log.Level.WARN, f"py-utility: cannot post on port {port.id()}: {err.value}")


class UtilityEvents(exports.UtilityEvents):
    def on_message(self, payload: bytes, ports: list[ports.MessagePort]) -> None:
        if not ports:
            post(tagged(payload))
            return
        for port in ports:
            port.start()
            post_on(port, pack("py:port-ready"))
            HELD[port.id()] = port
        post(pack("py:port-received"))

    def on_port_message(self, port: int, data: bytes, ports: list[ports.MessagePort]) -> None:
        held = HELD.get(port)
        if held is not None:
            post_on(held, tagged(data))
        # Ports moved with a port message are not used here: let them go.
        for extra in ports:
            extra.__exit__(None, None, None)

    def on_port_close(self, port: int) -> None:
        held = HELD.pop(port, None)
        if held is not None:
            held.__exit__(None, None, None)

    def handle(self, channel: str, payload: bytes) -> bytes:
        if channel == "echo":
            return payload
        if channel == "lang":
            version = ".".join(str(part) for part in sys.version_info[:3])
            return pack(f"py:{sys.implementation.name} {version} on {sys.platform}")
        raise Err(HandlerError("no-handler", f"py-utility has no handler for `{channel}`", None))
