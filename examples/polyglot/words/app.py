"""The polyglot app's `words` utility, in Python (componentize-py).

Main gives it two ports: `checksum-port`, to the C utility, and
`window-port`, to the window's JavaScript renderer. A request from the
window is JSON `{"id": n, "text": "..."}`; this utility counts the words,
asks the C utility for the text's CRC-32 over their own port, and answers
the window with everything as JSON once the checksum is back.
"""

import json
import re
import sys
from collections import Counter

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import log, ports
from wit_world.imports.types import HandlerError

from wasmtron_msgpack import pack, unpack_str

# The two ports main gave, by role; and requests waiting for their checksum,
# by the sequence number sent to the C utility.
PORTS: dict[str, ports.MessagePort] = {}
WAITING: dict[int, dict] = {}
SEQUENCE = [0]

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
LANGUAGE = f"Python {sys.version_info.major}.{sys.version_info.minor}"


def post_on(port: ports.MessagePort, text: str) -> None:
    try:
        port.post_message(pack(text), [])
    except Err as err:
        log.log(log.Level.WARN, f"words: cannot post on port {port.id()}: {err.value}")


def role_of(port: int) -> str | None:
    for role, held in PORTS.items():
        if held.id() == port:
            return role
    return None


def analyze(window: ports.MessagePort, request: str) -> None:
    """Counts the words and asks the C utility for the checksum."""
    try:
        asked = json.loads(request)
        ident, text = int(asked["id"]), str(asked["text"])
    except (ValueError, KeyError, TypeError) as err:
        post_on(window, json.dumps({"id": None, "error": f"bad request: {err}"}))
        return
    words = [w.lower() for w in WORD.findall(text)]
    counts = Counter(words)
    answer = {
        "id": ident,
        "words": len(words),
        "distinct": len(counts),
        # Most frequent first, ties in the order the words first appear. (Not
        # `most_common`: it imports heapq lazily, and componentize-py bundles
        # only the modules it sees imported.)
        "top": sorted(counts.items(), key=lambda item: -item[1])[:3],
        "by": LANGUAGE,
    }
    checksum = PORTS.get("checksum")
    if checksum is None:
        answer["error"] = "the checksum utility is not connected"
        post_on(window, json.dumps(answer))
        return
    SEQUENCE[0] += 1
    WAITING[SEQUENCE[0]] = answer
    # "<sequence>|<text>": the C utility answers "<sequence>|<crc32>|<bytes>|<by>".
    post_on(checksum, f"{SEQUENCE[0]}|{text}")


def checksummed(reply: str) -> None:
    """Completes the waiting answer with the C utility's reply."""
    try:
        sequence, crc, size, by = reply.split("|", 3)
        answer = WAITING.pop(int(sequence))
        answer.update(crc32=crc, bytes=int(size), checksum_by=by)
    except (ValueError, KeyError):
        log.log(log.Level.WARN, f"words: an unexpected reply from checksum: {reply!r}")
        return
    # The window that asked, unless it has gone (or reconnected) meanwhile.
    window = PORTS.get("window")
    if window is not None:
        post_on(window, json.dumps(answer))


class UtilityEvents(exports.UtilityEvents):
    def on_message(self, payload: bytes, ports: list[ports.MessagePort]) -> None:
        role = {"checksum-port": "checksum", "window-port": "window"}.get(unpack_str(payload) or "")
        if role is None or len(ports) != 1:
            log.log(log.Level.WARN, "words: a message from main it does not understand")
            for port in ports:
                port.__exit__(None, None, None)
            return
        old = PORTS.pop(role, None)
        if old is not None:
            old.__exit__(None, None, None)
        port = ports[0]
        port.start()
        PORTS[role] = port

    def on_port_message(self, port: int, data: bytes, ports: list[ports.MessagePort]) -> None:
        for extra in ports:
            extra.__exit__(None, None, None)
        text = unpack_str(data)
        role = role_of(port)
        if text is None or role is None:
            return
        if role == "window":
            analyze(PORTS["window"], text)
        else:
            checksummed(text)

    def on_port_close(self, port: int) -> None:
        role = role_of(port)
        if role is None:
            return
        PORTS.pop(role).__exit__(None, None, None)
        if role == "checksum":
            # No checksum will come for what is waiting: answer it now.
            window = PORTS.get("window")
            for answer in WAITING.values():
                answer["error"] = "the checksum utility went away"
                if window is not None:
                    post_on(window, json.dumps(answer))
            WAITING.clear()

    def handle(self, channel: str, payload: bytes) -> bytes:
        if channel == "lang":
            return pack(f"{LANGUAGE} ({sys.implementation.name})")
        raise Err(HandlerError("no-handler", f"words has no handler for `{channel}`", None))
