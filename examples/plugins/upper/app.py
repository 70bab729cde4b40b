"""The `upper` plugin, in Python (componentize-py).

It exports `plugins:app/transform`: `apply` upper-cases the text and counts
the characters it changed. The option `title` capitalises each word
instead. As a utility it also exports wasmtron's `utility-events`, which
this plugin does not use: main reaches it only through typed calls.
"""

import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.transform import Outcome, Request
from wit_world.imports.types import ErrorCode, HandlerError, IpcError

BY = f"upper (Python {sys.version_info.major}.{sys.version_info.minor})"
OPTIONS = {"title"}


class Transform(exports.Transform):
    def describe(self) -> str:
        return f"{BY}: upper-cases the text; option `title` capitalises each word"

    def apply(self, req: Request) -> Outcome:
        unknown = [option for option in req.options if option not in OPTIONS]
        if unknown:
            raise Err(
                IpcError(
                    ErrorCode.HANDLER_FAILED,
                    f"upper does not know the option `{unknown[0]}`",
                    "unknown-option",
                    None,
                )
            )
        text = req.text.title() if "title" in req.options else req.text.upper()
        changes = sum(1 for old, new in zip(req.text, text) if old != new)
        return Outcome(text, changes, BY)


class UtilityEvents(exports.UtilityEvents):
    def on_message(self, payload, ports) -> None:
        for port in ports:
            port.__exit__(None, None, None)

    def on_port_message(self, port, data, ports) -> None:
        for extra in ports:
            extra.__exit__(None, None, None)

    def on_port_close(self, port) -> None:
        pass

    def handle(self, channel: str, payload: bytes) -> bytes:
        raise Err(HandlerError("no-handler", f"upper has no handler for `{channel}`", None))
