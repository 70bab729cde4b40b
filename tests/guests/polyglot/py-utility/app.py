"""A wasmtron utility component written in Python.

componentize-py generates the `wit_world` bindings from wit/ (world
`utility`) while it builds, and bundles CPython, this module and the
bindings into one component. The exported interface `utility-events` is
the class `UtilityEvents` below.

Payloads are MessagePack by the project's convention; this guest reads and
writes the one shape it needs, a string, with the helpers below (the
standard library has no MessagePack).
"""

import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import log, parent_port, ports
from wit_world.imports.types import HandlerError

# Ports the parent sent, all started, by id. Module level, so the state
# does not depend on how often the runtime makes a `UtilityEvents`.
HELD: dict[int, ports.MessagePort] = {}


def pack_str(text: str) -> bytes:
    """A MessagePack str."""
    data = text.encode("utf-8")
    size = len(data)
    if size < 32:
        head = bytes([0xA0 | size])
    elif size < 0x100:
        head = bytes([0xD9, size])
    elif size < 0x10000:
        head = bytes([0xDA]) + size.to_bytes(2, "big")
    else:
        head = bytes([0xDB]) + size.to_bytes(4, "big")
    return head + data


def unpack_str(payload: bytes) -> str | None:
    """The text of a MessagePack str, or None for anything else."""
    if not payload:
        return None
    first = payload[0]
    if first & 0xE0 == 0xA0:
        head, size = 1, first & 0x1F
    elif first == 0xD9 and len(payload) >= 2:
        head, size = 2, payload[1]
    elif first == 0xDA and len(payload) >= 3:
        head, size = 3, int.from_bytes(payload[1:3], "big")
    elif first == 0xDB and len(payload) >= 5:
        head, size = 5, int.from_bytes(payload[1:5], "big")
    else:
        return None
    if len(payload) - head < size:
        return None
    return payload[head : head + size].decode("utf-8", errors="replace")


def tagged(payload: bytes) -> bytes:
    """ "py:" followed by the payload's text ("py:?" when it is not a string)."""
    text = unpack_str(payload)
    return pack_str("py:" + ("?" if text is None else text))


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
            post_on(port, pack_str("py:port-ready"))
            HELD[port.id()] = port
        post(pack_str("py:port-received"))

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
            return pack_str(f"py:{sys.implementation.name} {version} on {sys.platform}")
        raise Err(HandlerError("no-handler", f"py-utility has no handler for `{channel}`", None))
