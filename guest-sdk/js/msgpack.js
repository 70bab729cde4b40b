// MessagePack strings for wasmtron guests written in JavaScript.
//
// wasmtron payloads are MessagePack by convention. A guest that exchanges
// strings (JSON inside them, for richer shapes) needs these two functions.
// Import them as `wasmtron-msgpack`: scripts/build-polyglot.sh bundles the
// guest with esbuild, which maps that name to this file, because
// componentize-js takes one module.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `text` as a MessagePack str. */
export function packStr(text) {
  const data = encoder.encode(text);
  const size = data.length;
  let head;
  if (size < 32) head = [0xa0 | size];
  else if (size < 0x100) head = [0xd9, size];
  else if (size < 0x10000) head = [0xda, size >> 8, size & 0xff];
  else head = [0xdb, (size >>> 24) & 0xff, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff];
  const out = new Uint8Array(head.length + size);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/** The text of a MessagePack str, or null when the payload is anything else. */
export function unpackStr(payload) {
  if (payload.length === 0) return null;
  const first = payload[0];
  let head;
  let size;
  if ((first & 0xe0) === 0xa0) [head, size] = [1, first & 0x1f];
  else if (first === 0xd9 && payload.length >= 2) [head, size] = [2, payload[1]];
  else if (first === 0xda && payload.length >= 3) [head, size] = [3, (payload[1] << 8) | payload[2]];
  else if (first === 0xdb && payload.length >= 5)
    [head, size] = [5, ((payload[1] << 24) | (payload[2] << 16) | (payload[3] << 8) | payload[4]) >>> 0];
  else return null;
  if (payload.length - head < size) return null;
  return decoder.decode(payload.subarray(head, head + size));
}

/** The number of bytes `text` takes in UTF-8. */
export function utf8Length(text) {
  return encoder.encode(text).length;
}
