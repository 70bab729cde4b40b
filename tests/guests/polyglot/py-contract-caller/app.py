"""The typed-call tests' calling utility in Python (componentize-py).

The Python counterpart of tests/guests/contract-caller. Its world
(world.wit) is wasmtron's utility world plus `import echo`, the app
interface `probe:contracts/echo` (tests/guests/contracts-wit), which the
tests' manifest binds to main. Main posts it an operation, `caller` or
`text:T`; it makes that typed call to main and posts back, as a
MessagePack string, what the call returned. An invoke on any channel does
the same and answers with it.

The interface's functions are plain functions of
`wit_world.imports.echo`; a `result` they return is its ok value, its err
raised as `componentize_py_types.Err` (neither function used here returns
one).
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import echo, log, parent_port
from wit_world.imports.types import HandlerError

from wasmtron_msgpack import pack, unpack_str


def run(op: str) -> str:
    """Runs `op` (`text:T` or `caller`) as a typed call to main."""
    what, _, text = op.partition(":")
    if what == "text":
        return echo.echo_text(text)
    return echo.caller()


class UtilityEvents(exports.UtilityEvents):
    def on_message(self, payload: bytes, ports) -> None:
        for port in ports:
            port.__exit__(None, None, None)
        op = unpack_str(payload) or ""
        try:
            parent_port.post_message(pack(run(op)), [])
        except Err as err:
            log.log(log.Level.ERROR, f"py-contract-caller: cannot answer main: {err.value}")

    def on_port_message(self, port: int, data: bytes, ports) -> None:
        for extra in ports:
            extra.__exit__(None, None, None)

    def on_port_close(self, port: int) -> None:
        pass

    def handle(self, channel: str, payload: bytes) -> bytes:
        op = unpack_str(payload)
        if op is None:
            raise Err(HandlerError("bad-payload", "expected a MessagePack string", None))
        return pack(run(op))
