"""MessagePack for wasmtron guests written in Python.

wasmtron payloads are MessagePack by convention (the Rust SDK uses
rmp-serde); the standard library has none, and a guest must not import
packages with native code. This module packs and unpacks the common
shapes in plain Python: None, bool, int, float, str, bytes, list/tuple and
dict.

componentize-py bundles it with the guest: pass this folder on
`--python-path` (scripts/build-polyglot.sh does).
"""

import struct


class UnpackError(ValueError):
    """The payload is not MessagePack, or uses a shape this module lacks."""


def pack(value) -> bytes:
    """Encodes `value` as MessagePack."""
    out = bytearray()
    _pack(value, out)
    return bytes(out)


def _pack(value, out: bytearray) -> None:
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        _pack_int(value, out)
    elif isinstance(value, float):
        out.append(0xCB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _head(len(data), out, fix=(0xA0, 32), sizes=(0xD9, 0xDA, 0xDB))
        out += data
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        _head(len(data), out, fix=None, sizes=(0xC4, 0xC5, 0xC6))
        out += data
    elif isinstance(value, (list, tuple)):
        _head(len(value), out, fix=(0x90, 16), sizes=(None, 0xDC, 0xDD))
        for item in value:
            _pack(item, out)
    elif isinstance(value, dict):
        _head(len(value), out, fix=(0x80, 16), sizes=(None, 0xDE, 0xDF))
        for key, item in value.items():
            _pack(key, out)
            _pack(item, out)
    else:
        raise TypeError(f"cannot pack {type(value).__name__}")


def _head(size: int, out: bytearray, fix, sizes) -> None:
    """A length header: the fix form when it fits, else 8-, 16- or 32-bit."""
    if fix is not None and size < fix[1]:
        out.append(fix[0] | size)
    elif sizes[0] is not None and size < 0x100:
        out += bytes([sizes[0], size])
    elif size < 0x10000:
        out.append(sizes[1])
        out += size.to_bytes(2, "big")
    else:
        out.append(sizes[2])
        out += size.to_bytes(4, "big")


def _pack_int(value: int, out: bytearray) -> None:
    if 0 <= value < 0x80:
        out.append(value)
    elif -32 <= value < 0:
        out.append(value & 0xFF)
    elif 0 <= value < 1 << 64:
        out.append(0xCF)
        out += value.to_bytes(8, "big")
    elif -(1 << 63) <= value < 0:
        out.append(0xD3)
        out += value.to_bytes(8, "big", signed=True)
    else:
        raise OverflowError("MessagePack integers are 64-bit")


def unpack(payload: bytes):
    """Decodes one MessagePack value that fills `payload`."""
    reader = _Reader(bytes(payload))
    value = reader.value()
    if reader.at != len(reader.data):
        raise UnpackError("bytes left after the value")
    return value


def unpack_str(payload: bytes) -> str | None:
    """The text of a payload that is a MessagePack str, else None."""
    try:
        value = unpack(payload)
    except (UnpackError, UnicodeDecodeError, TypeError, RecursionError):
        # Anything a hostile payload can provoke (an unhashable map key,
        # nesting too deep) is "not a string", never an exception.
        return None
    return value if isinstance(value, str) else None


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise UnpackError("the payload ends inside a value")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def value(self):
        first = self.uint(1)
        if first < 0x80:
            return first
        if first >= 0xE0:
            return first - 0x100
        if 0xA0 <= first <= 0xBF:
            return self.take(first & 0x1F).decode("utf-8")
        if 0x90 <= first <= 0x9F:
            return [self.value() for _ in range(first & 0x0F)]
        if 0x80 <= first <= 0x8F:
            return self.map(first & 0x0F)
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if first in simple:
            return simple[first]
        sized = {
            0xD9: (1, "str"), 0xDA: (2, "str"), 0xDB: (4, "str"),
            0xC4: (1, "bin"), 0xC5: (2, "bin"), 0xC6: (4, "bin"),
            0xDC: (2, "array"), 0xDD: (4, "array"),
            0xDE: (2, "map"), 0xDF: (4, "map"),
        }
        if first in sized:
            width, kind = sized[first]
            size = self.uint(width)
            if kind == "str":
                return self.take(size).decode("utf-8")
            if kind == "bin":
                return self.take(size)
            if kind == "array":
                return [self.value() for _ in range(size)]
            return self.map(size)
        fixed = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}
        if first in fixed:
            return self.uint(fixed[first])
        signed = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
        if first in signed:
            return int.from_bytes(self.take(signed[first]), "big", signed=True)
        if first == 0xCA:
            return struct.unpack(">f", self.take(4))[0]
        if first == 0xCB:
            return struct.unpack(">d", self.take(8))[0]
        raise UnpackError(f"unsupported MessagePack type 0x{first:02x}")

    def map(self, size: int) -> dict:
        out = {}
        for _ in range(size):
            key = self.value()
            if isinstance(key, (list, dict)):
                raise UnpackError("a list or a map cannot be a map key here")
            out[key] = self.value()
        return out
