"""Writes the fuzz targets' seed corpus into fuzz/corpus/<target>/.

The seeds are valid inputs of each kind, so libFuzzer starts from the
shapes the host accepts and mutates from there. They are generated (with
the SDK's MessagePack module, which encodes as rmp-serde does for these
shapes) rather than hand-written; run this again when the wire changes:

    python3 fuzz/seeds.py
"""

import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "guest-sdk" / "python"))

from wasmtron_msgpack import pack  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"


def frame(message, tail: bytes = b"") -> bytes:
    """A frame: body and tail lengths, the MessagePack body, the tail."""
    body = pack(message)
    return struct.pack("<II", len(body), len(tail)) + body + tail


# The field each message kind may send as its frame's tail.
BULK = {"invoke": "payload", "send": "payload", "post": "payload", "push": "payload",
        "port-post": "data", "port-message": "data", "reply-ok": None}


def as_tail(name: str, message: dict) -> bytes:
    """The message with its payload moved to the tail, as the host and
    workers write it."""
    moved = dict(message)
    if name == "reply-ok":
        tail = moved["result"]["Ok"]
        moved["result"] = {"Ok": b""}
    else:
        tail = moved[BULK[name]]
        moved[BULK[name]] = b""
    return frame(moved, tail)


def write(target: str, name: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


# What a key event carries, as page.js posts it.
KEY = {"key": "s", "code": "KeyS", "ctrl": True, "shift": False, "alt": False, "meta": False, "repeat": False}


def main() -> None:
    greeting = pack("hello")
    worker_messages = {
        "ready": {"t": "ready"},
        "invoke": {"t": "invoke", "id": 7, "channel": "greet", "payload": greeting},
        "send": {"t": "send", "channel": "log", "payload": greeting, "transfer": []},
        "dom": {"t": "dom", "op": {"op": "set-text", "selector": "#reply", "text": "hi"}},
        "log": {"t": "log", "level": "info", "message": "a line"},
        "reply-ok": {"t": "reply", "id": 3, "result": {"Ok": greeting}},
        "reply-err": {
            "t": "reply",
            "id": 4,
            "result": {
                "Err": {
                    "code": "handler-failed",
                    "message": "no",
                    "app_code": "bad-name",
                    "data": None,
                }
            },
        },
        "port-post": {"t": "port-post", "port": 2, "data": greeting, "transfer": [5], "marked": False},
        "port-close": {"t": "port-close", "port": 2},
        "post": {"t": "post", "payload": greeting, "transfer": []},
        "dom-read": {"t": "dom-read", "id": 5, "read": {"read": "attribute", "selector": "#a", "name": "title"}},
    }
    host_messages = {
        "load": {"t": "load"},
        "push": {"t": "push", "channel": "tick", "payload": greeting, "ports": []},
        "port-message": {"t": "port-message", "port": 2, "data": greeting, "ports": [], "marked": True},
        "link-ready": {"t": "link-ready", "port": 2},
        "port-closed": {"t": "port-closed", "port": 2, "drain": True},
        "stop": {"t": "stop"},
        "ui": {
            "t": "ui",
            "event": {"kind": "click", "target": "greet", "value": None, "fields": []},
        },
        "ui-key": {
            "t": "ui",
            "event": {
                "kind": "keydown",
                "target": "editor",
                "value": None,
                "fields": [],
                "detail": {"key": KEY},
            },
        },
        "dom-answer": {"t": "dom-answer", "id": 5, "answer": {"Ok": {"text": "hi"}}},
        "dom-answer-err": {"t": "dom-answer", "id": 6, "answer": {"Err": {"no-answer": "late"}}},
    }
    stream = b""
    for name, message in {**worker_messages, **host_messages}.items():
        write("wire_frames", name, frame(message))
        stream += frame(message)
        if name in BULK:
            write("wire_frames", f"{name}-tail", as_tail(name, message))
            stream += as_tail(name, message)
    write("wire_frames", "stream", stream)
    write("wire_frames", "oversized-prefix", struct.pack("<II", 0xFFFFFFFF, 0) + b"\x80")
    write("wire_frames", "stray-tail", frame({"t": "ready"}, b"odd"))
    # A tail said to be in a shared region (top bit of the tail's length),
    # and a new region (top bit of the body's length) with no descriptor.
    body = pack({"t": "ready"})
    write("wire_frames", "shared-tail", struct.pack("<II", len(body), 0x8000_0010) + body)
    write(
        "wire_frames",
        "new-region",
        struct.pack("<II", len(body) | 0x8000_0000, 0x8000_0010) + body,
    )

    hello = {"magic": "wasmtron-wire", "protocol": 4}
    write("handshake", "hello", pack(hello))
    write("handshake", "worker-hello", pack({"hello": hello, "pid": 4242}))
    write("handshake", "wrong-magic", pack({"magic": "http/1.1", "protocol": 4}))

    for manifest in sorted(ROOT.glob("examples/*/wasmtron.toml")):
        write("manifest", manifest.parent.name, manifest.read_bytes())

    page = {
        "loaded": {"type": "loaded"},
        "painted": {"type": "painted"},
        "click": {"type": "ui", "kind": "click", "target": "greet", "value": None, "fields": []},
        "submit": {
            "type": "ui",
            "kind": "submit",
            "target": "form",
            "value": None,
            "fields": [["name", "Ada"], ["age", "36"]],
        },
        "keydown": {
            "type": "ui", "kind": "keydown", "target": "editor", "value": None, "fields": [],
            "detail": {"key": KEY},
        },
        "pointermove": {
            "type": "ui", "kind": "pointermove", "target": "pad", "value": None, "fields": [],
            "detail": {"pointer": {"x": 10.5, "y": 20, "button": -1, "buttons": 1}},
        },
        "drop": {
            "type": "ui", "kind": "drop", "target": "zone", "value": None, "fields": [],
            "detail": {"drop": [{"name": "a.txt", "size": 12, "mime-type": "text/plain"}]},
        },
        "focus": {"type": "ui", "kind": "focus", "target": "name", "value": "Ada", "fields": [], "detail": None},
    }
    for name, message in page.items():
        write("page_message", name, json.dumps(message).encode())

    # typed_values: two types from their first bytes (see the target's
    # `ty`: a kind byte modulo 22, then a count for composite kinds), a
    # port count, then the values.
    string, u32_, port = 12, 6, 13
    record, option, lst = 15, 19, 14
    write("typed_values", "string-and-u32", bytes([string, u32_, 0, 2]) + b"hi" + bytes([0x96, 0x01]))
    write(
        "typed_values",
        "record-of-two-and-a-port",
        bytes([record, 1, string, option, u32_, port, 1]) + b"\x01a" + bytes([1, 7, 0]),
    )
    write("typed_values", "bytes-and-bool", bytes([lst, 0, 2, 0, 0]) + b"\x03abc" + b"\x01")

    # page_values: one type from the first bytes (the same `ty` as
    # typed_values; names are `a-field-0`, `a-case-0`, `a-flag-0`...), then
    # the page's JSON for it.
    def page_value(name: str, ty: list, value) -> None:
        write("page_values", name, bytes(ty) + json.dumps(value).encode())

    u8_, s64, f64_, char_, tuple_ = 2, 7, 10, 11, 16
    variant, enum, result, flags = 17, 18, 20, 21
    page_value("record", [record, 1, string, option, 0, u32_], {"aField0": "hi", "aField1": 7})
    page_value("bytes", [lst, 0, u8_], {"$bytes": "AQID"})
    page_value("byte-array", [lst, 0, u8_], [1, 2, 255])
    page_value("bigint", [s64], {"$bigint": "-9223372036854775808"})
    page_value("variant", [variant, 1, 1, u32_, 0], {"tag": "a-case-0", "val": 3})
    page_value("nested-option", [option, 0, option, 0, f64_], {"tag": "some", "val": {"$float": "NaN"}})
    page_value("result", [result, 0, 3, string, u8_], {"tag": "err", "val": 200})
    page_value("flags", [flags, 0], {"aFlag0": True, "aFlag8": False})
    page_value("tuple", [tuple_, 1, char_, s64], ["é", 5])
    page_value("enum", [enum, 2], "a-case-2")

    # http_frames: a worker's request and the host's answers as frame
    # bodies, and origins as the manifest writes them.
    request = {
        "method": "POST",
        "scheme": "http",
        "authority": "127.0.0.1:8080",
        "path": "/echo?x=1",
        "headers": [["content-type", b"text/plain"]],
        "body": b"a note",
    }
    write("http_frames", "request", pack({"t": "http", "id": 1, "request": request}))
    response = {"status": 200, "headers": [["content-length", b"2"]], "body": b"ok"}
    write("http_frames", "answer-ok", pack({"t": "http-answer", "id": 1, "answer": {"Ok": response}}))
    denied = {"kind": "denied", "detail": "http://127.0.0.1:9 is not allowed"}
    write("http_frames", "answer-denied", pack({"t": "http-answer", "id": 2, "answer": {"Err": denied}}))
    write("http_frames", "origin", b"https://api.example.com")
    write("http_frames", "origin-ipv6", b"http://[::1]:8080/")


if __name__ == "__main__":
    main()
