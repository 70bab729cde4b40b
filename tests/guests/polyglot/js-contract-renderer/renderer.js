// The typed-call tests' renderer in JavaScript (componentize-js): the
// JavaScript counterpart of tests/guests/contract-renderer. Its world
// (world.wit) is wasmtron's renderer world plus `import echo`, the app
// interface `probe:contracts/echo` (tests/guests/contracts-wit), bound to a
// provider by each test's manifest. Driven through the probe page: `#channel`
// names the op, `#arg` its argument, a click on `#invoke` makes one typed
// call and what came back lands in `#result`.
//
// Values follow jco's conventions: records are objects with camelCase
// fields, variants `{ tag, val }`, enums their WIT names, flags an object of
// booleans, `option` the value or `undefined`, a `result` inside a value
// `{ tag: 'ok' | 'err', val }`, tuples arrays, `list<u8>` a `Uint8Array`,
// `s64`/`u64` BigInts. A `result` returned by an imported function is its ok
// value; its err is thrown, the error value (here an `ipc-error`) being the
// thrown object's `payload`. The op `relay` invokes main's `relay` channel
// instead (MessagePack strings, `wasmtron-msgpack`), so that a test can
// drive main with this page.

import {
  caller,
  echo,
  echoBytes,
  echoText,
  fail,
  failBare,
  keepPort,
  newPort,
} from 'probe:contracts/echo@0.1.0';
import { invoke } from 'wasmtron:app/bridge@0.1.0';
import { setText } from 'wasmtron:app/dom@0.1.0';
import { log } from 'wasmtron:app/log@0.1.0';
import { createChannel } from 'wasmtron:app/ports@0.1.0';
import { packStr, unpackStr } from 'wasmtron-msgpack';

/** What the page's inputs hold, by element id. */
const inputs = { channel: '', arg: '' };
/** The end of a channel whose other end a typed call moved (kept, so the
 * garbage collector does not close it). */
let kept = null;

function show(selector, text) {
  try {
    setText(selector, text);
  } catch (err) {
    log('warn', `js-contract-renderer: cannot set ${selector}: ${describe(err)}`);
  }
}

/** Anything thrown, as text, for a report. */
function describe(err) {
  const payload = err && err.payload !== undefined ? err.payload : err;
  return payload && payload.message !== undefined
    ? `${payload.code}:${payload.message}`
    : String(payload);
}

/** The `err:CODE:MESSAGE` of a failed call, from the carried `ipc-error`;
 * `threw:...` when what was thrown carries none. */
function carried(err) {
  const payload = err ? err.payload : undefined;
  if (payload && typeof payload.code === 'string' && typeof payload.message === 'string') {
    return `err:${payload.code}:${payload.message}`;
  }
  return `threw:${describe(err)}`;
}

/** An `everything` with every kind of value in it, made from `text`. */
function everything(text) {
  return {
    yes: true,
    small: -128,
    byte: 255,
    short: -32768,
    ushort: 65535,
    int: -2147483648,
    uint: 4294967295,
    long: -(2n ** 63n),
    ulong: 2n ** 64n - 1n,
    single: 1.5,
    double: -0.1,
    letter: '🦀',
    text,
    bytes: Uint8Array.from({ length: 256 }, (_, i) => i),
    words: [[], ['ünïcödé', ''], [text]],
    at: { x: -1, y: 2, label: 'here' },
    shapes: [
      { tag: 'circle', val: 2.25 },
      { tag: 'rect', val: { x: 3, y: 4, label: 'box' } },
      { tag: 'empty' },
    ],
    tint: 'blue',
    rights: { read: true, write: false, run: true },
    maybe: 'some',
    none: undefined,
    outcome: { tag: 'err', val: 'no' },
    pair: [7, 'seven'],
    nothing: [],
  };
}

/** Whether `value` is a `Uint8Array`. Not `instanceof`: the bindings run
 * in a global of their own (`contentGlobal`), so a `list<u8>` an import
 * returns is a `Uint8Array` of that realm, and `instanceof Uint8Array` is
 * false for it here. */
function isBytes(value) {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/** Deep equality, with the types jco gives: a BigInt is not a number, a
 * `Uint8Array` not an array. A missing field equals an `undefined` one. */
function same(a, b) {
  if (typeof a !== typeof b) return false;
  if (a === null || b === null || typeof a !== 'object') return Object.is(a, b);
  if (isBytes(a) || isBytes(b)) {
    return (
      isBytes(a) &&
      isBytes(b) &&
      a.length === b.length &&
      a.every((byte, i) => byte === b[i])
    );
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!same(a[key], b[key])) return false;
  }
  return true;
}

/** A value as JSON, BigInts and byte arrays shown, for a `diff:` report. */
function shown(value) {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (isBytes(v)) return `bytes[${v.length}]`;
    if (v === undefined) return '(undefined)';
    return v;
  });
}

/** Posts `text` on the port kept last; its echo shows in `#result`. */
function ping(text) {
  if (kept === null) return 'no port';
  try {
    kept.postMessage(new TextEncoder().encode(text), []);
    return '';
  } catch (err) {
    return `post:${describe(err)}`;
  }
}

/** Replaces the port kept last, closing the one before. */
function keep(port) {
  if (kept !== null) kept[Symbol.dispose || Symbol.for('dispose')]();
  port.start();
  kept = port;
}

/** One typed call, named by `op`, with `arg`; what to show. */
function run(op, arg) {
  switch (op) {
    case 'text':
      return `ok:${echoText(arg)}`;
    case 'caller':
      return `ok:${caller()}`;
    case 'echo': {
      const sent = everything(arg);
      const back = echo(sent);
      return same(back, sent) ? 'ok:same' : `diff:${shown(back)}`;
    }
    case 'bytes': {
      const size = Number.parseInt(arg, 10) || 0;
      const sent = Uint8Array.from({ length: size }, (_, i) => i % 251);
      try {
        const back = echoBytes(sent);
        return same(back, sent) ? `ok:${back.length}` : `diff:${back.length}`;
      } catch (err) {
        return carried(err);
      }
    }
    case 'fail':
      try {
        return `ok:${fail(arg).length}`;
      } catch (err) {
        return carried(err);
      }
    // Nothing in the result carries a failure: the instance traps.
    case 'fail-bare':
      return `ok:${failBare(arg).length}`;
    case 'burst': {
      const count = Number.parseInt(arg, 10) || 0;
      for (let i = 0; i < count; i += 1) {
        const back = echoText(`${i}`);
        if (back !== `${i}`) return `bad:${i}:${back}`;
      }
      return `ok:${count}`;
    }
    // The other end moves to the provider, which echoes on it.
    case 'port-keep': {
      const [mine, theirs] = createChannel();
      keep(mine);
      try {
        keepPort(theirs);
      } catch (err) {
        return carried(err);
      }
      return ping(arg);
    }
    // The provider keeps one end of a new channel and gives this one.
    case 'port-new':
      keep(newPort());
      return ping(arg);
    case 'relay':
      try {
        return `ok:${unpackStr(invoke('relay', packStr(arg))) ?? '?'}`;
      } catch (err) {
        return carried(err);
      }
    default:
      return `unknown:${op}`;
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
      const text = run(inputs.channel, inputs.arg);
      // A port's echo shows when it comes.
      if (text !== '') show('#result', text);
    }
  },

  onPush(_channel, _payload, ports) {
    for (const port of ports) port[Symbol.dispose || Symbol.for('dispose')]();
  },

  onPortMessage(_port, data, ports) {
    show('#result', `echo:${new TextDecoder().decode(data)}`);
    for (const port of ports) port[Symbol.dispose || Symbol.for('dispose')]();
  },

  onPortClose(_port) {},

  handle(channel, _payload) {
    throw {
      code: 'no-handler',
      message: `js-contract-renderer has no handler for \`${channel}\``,
      data: undefined,
    };
  },
};
