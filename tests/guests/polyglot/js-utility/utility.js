// A wasmtron utility component written in JavaScript, made into a component
// by componentize-js (SpiderMonkey inside StarlingMonkey). The imports are
// the `utility` world's interfaces, named as in WIT; the export
// `utility-events` is the object `utilityEvents`.
//
// WIT to JS: `list<u8>` is a Uint8Array, `u64` a BigInt, a resource a class
// (`MessagePort`), a `result` error is thrown by imports (the WIT error is the
// thrown value's `payload`) and returned from exports by throwing.
//
// Payloads are MessagePack by the project's convention; this guest reads and
// writes the one shape it needs, a string, with the SDK's `wasmtron-msgpack`
// (guest-sdk/js, bundled in by scripts/build-polyglot.sh).

import { log } from 'wasmtron:app/log@0.1.0';
import { postMessage } from 'wasmtron:app/parent-port@0.1.0';
import { packStr, unpackStr } from 'wasmtron-msgpack';

/** Ports the parent sent, all started, by id (a BigInt). */
const held = new Map();

// How the bindings name a resource's drop (`Symbol.dispose` where the engine
// has it).
const dispose = Symbol.dispose || Symbol.for('dispose');


/** "js:" followed by the payload's text ("js:?" when it is not a string). */
function tagged(payload) {
  const text = unpackStr(payload);
  return packStr(`js:${text ?? '?'}`);
}

function describe(err) {
  const payload = err && err.payload !== undefined ? err.payload : err;
  return JSON.stringify(payload, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function post(payload) {
  try {
    postMessage(payload, []);
  } catch (err) {
    log('error', `js-utility: cannot post to the parent: ${describe(err)}`);
  }
}

function postOn(port, payload) {
  try {
    port.postMessage(payload, []);
  } catch (err) {
    log('warn', `js-utility: cannot post on port ${port.id()}: ${describe(err)}`);
  }
}

export const utilityEvents = {
  onMessage(payload, ports) {
    if (ports.length === 0) {
      post(tagged(payload));
      return;
    }
    for (const port of ports) {
      port.start();
      postOn(port, packStr('js:port-ready'));
      held.set(port.id(), port);
    }
    post(packStr('js:port-received'));
  },

  onPortMessage(port, data, ports) {
    const holder = held.get(port);
    if (holder !== undefined) postOn(holder, tagged(data));
    // Ports moved with a port message are not used here: let them go.
    for (const extra of ports) extra[dispose]();
  },

  onPortClose(port) {
    const holder = held.get(port);
    held.delete(port);
    holder?.[dispose]();
  },

  handle(channel, payload) {
    switch (channel) {
      case 'echo':
        return payload;
      case 'lang':
        // Proof of the engine: only a JS runtime has these.
        return packStr(`js:${typeof globalThis.TextEncoder} ${[3, 1, 2].sort().join('')}`);
      default:
        throw {
          code: 'no-handler',
          message: `js-utility has no handler for \`${channel}\``,
          data: undefined,
        };
    }
  },
};
