// A wasmtron renderer component written in JavaScript, made into a component
// by componentize-js. It drives the test probe page (tests/fixtures/
// probe.html): `#invoke` invokes main on `#channel` with `#arg`, and what
// comes back lands in `#result`; pushes land in `#pushes`. Everything it
// writes starts with "js:", so the page shows who wrote it.
//
// Payloads are MessagePack strings, encoded and decoded by hand as in
// ../js-utility/utility.js.

import { invoke } from 'wasmtron:app/bridge@0.1.0';
import { setText } from 'wasmtron:app/dom@0.1.0';
import { log } from 'wasmtron:app/log@0.1.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the page's inputs hold, by element id. */
const inputs = { channel: '', arg: '' };

function packStr(text) {
  const data = encoder.encode(text);
  const size = data.length;
  const head =
    size < 32 ? [0xa0 | size] : size < 0x100 ? [0xd9, size] : [0xda, size >> 8, size & 0xff];
  if (size >= 0x10000) throw new RangeError('the probe only sends short strings');
  const out = new Uint8Array(head.length + size);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

function unpackStr(payload) {
  if (payload.length === 0) return null;
  const first = payload[0];
  let head;
  let size;
  if ((first & 0xe0) === 0xa0) {
    [head, size] = [1, first & 0x1f];
  } else if (first === 0xd9 && payload.length >= 2) {
    [head, size] = [2, payload[1]];
  } else if (first === 0xda && payload.length >= 3) {
    [head, size] = [3, (payload[1] << 8) | payload[2]];
  } else {
    return null;
  }
  if (payload.length - head < size) return null;
  return decoder.decode(payload.subarray(head, head + size));
}

function show(selector, text) {
  try {
    setText(selector, text);
  } catch (err) {
    log('warn', `js-renderer: cannot set ${selector}: ${JSON.stringify(err.payload ?? err)}`);
  }
}

export const rendererEvents = {
  onLoad() {
    show('#status', 'loaded');
  },

  onEvent(event) {
    if (event.kind === 'input' && event.target in inputs) {
      inputs[event.target] = event.value ?? '';
      return;
    }
    if (event.kind === 'click' && event.target === 'invoke') {
      let text;
      try {
        const reply = invoke(inputs.channel, packStr(inputs.arg));
        text = `js:ok:${unpackStr(reply) ?? '?'}`;
      } catch (err) {
        // An import's error is the thrown value's `payload`: an ipc-error.
        const { code, message } = err.payload ?? {};
        text = `js:err:${code}:${message}`;
      }
      show('#result', text);
    }
  },

  onPush(channel, payload, ports) {
    show('#pushes', `js:${channel}:${unpackStr(payload) ?? '?'}`);
    const dispose = Symbol.dispose || Symbol.for('dispose');
    for (const port of ports) port[dispose]();
  },

  onPortMessage(_port, _data, _ports) {},

  onPortClose(_port) {},

  handle(channel, payload) {
    if (channel === 'echo') {
      return packStr(`js:${unpackStr(payload) ?? '?'}`);
    }
    throw { code: 'no-handler', message: `js-renderer has no handler for \`${channel}\`` };
  },
};
