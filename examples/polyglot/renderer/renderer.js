// The polyglot app's renderer, in JavaScript (componentize-js).
//
// On load it asks main to `connect`; main answers by pushing `words-port`,
// one end of a message port whose other end the Python utility holds. The
// text goes over that port; the Python utility's JSON answer comes back on
// it. `about` asks main which language runs each part.
//
// Payloads are MessagePack by the project's convention; the page sends and
// receives strings (JSON inside them), with the SDK's `wasmtron-msgpack`
// (guest-sdk/js, bundled in by scripts/build-polyglot.sh).

import { invoke } from 'wasmtron:app/bridge@0.1.0';
import { setText } from 'wasmtron:app/dom@0.1.0';
import { log } from 'wasmtron:app/log@0.1.0';
import { packStr, unpackStr, utf8Length } from 'wasmtron-msgpack';

const dispose = Symbol.dispose || Symbol.for('dispose');

/** The port to the Python utility, once main has pushed it. */
let words = null;
/** The textarea's current text (the page's initial text until it changes). */
let text = 'The quick brown fox jumps over the lazy dog. The dog sleeps.';
/** Numbers each request, so an answer is matched to the latest one. */
let sent = 0;

/** An import's error, as text: its `payload` is the WIT error record. */
function describe(err) {
  const payload = err && err.payload !== undefined ? err.payload : err;
  if (payload && payload.message) return `${payload.code}: ${payload.message}`;
  return String(payload);
}

function show(selector, value) {
  try {
    setText(selector, value);
  } catch (err) {
    log('warn', `polyglot renderer: cannot set ${selector}: ${describe(err)}`);
  }
}

function connect() {
  try {
    invoke('connect', packStr(''));
    show('#status', 'connecting to the Python utility…');
  } catch (err) {
    show('#status', `cannot connect: ${describe(err)}`);
  }
}

function analyze() {
  if (words === null) {
    show('#status', 'not connected yet');
    return;
  }
  sent += 1;
  try {
    words.postMessage(packStr(JSON.stringify({ id: sent, text })), []);
    show('#status', `sent ${utf8Length(text)} bytes to Python…`);
  } catch (err) {
    show('#status', `cannot send: ${describe(err)}`);
  }
}

function about() {
  try {
    show('#about-text', unpackStr(invoke('about', packStr(''))) ?? '?');
  } catch (err) {
    show('#about-text', `cannot ask main: ${describe(err)}`);
  }
}

/** Shows the Python utility's answer: JSON with the C utility's checksum. */
function answered(data) {
  let reply;
  try {
    reply = JSON.parse(unpackStr(data) ?? 'null');
  } catch (err) {
    show('#status', `a bad answer: ${err}`);
    return;
  }
  if (reply === null || reply.id !== sent) return;
  if (reply.error) {
    show('#status', `error: ${reply.error}`);
    return;
  }
  show('#words', String(reply.words));
  show('#distinct', String(reply.distinct));
  show('#top', reply.top.map(([word, count]) => `${word} ×${count}`).join(', ') || '—');
  show('#checksum', `${reply.crc32} (${reply.bytes} bytes)`);
  show('#by', `${reply.by} + ${reply.checksum_by}`);
  show('#status', `analyzed (request ${reply.id})`);
}

export const rendererEvents = {
  onLoad() {
    show('#status', 'ready');
    connect();
  },

  onEvent(event) {
    if (event.kind === 'input' && event.target === 'text') {
      text = event.value ?? '';
    } else if (event.kind === 'click' && event.target === 'analyze') {
      analyze();
    } else if (event.kind === 'click' && event.target === 'about') {
      about();
    }
  },

  onPush(channel, payload, ports) {
    if (channel === 'words-port' && ports.length === 1) {
      if (words !== null) words[dispose]();
      [words] = ports;
      words.start();
      show('#status', 'connected');
      return;
    }
    for (const port of ports) port[dispose]();
    if (channel === 'utility-gone') {
      show('#status', `${unpackStr(payload) ?? 'a utility ended'}; reconnecting`);
      if (words !== null) words[dispose]();
      words = null;
      connect();
    }
  },

  onPortMessage(_port, data, ports) {
    for (const port of ports) port[dispose]();
    answered(data);
  },

  onPortClose(port) {
    // Only the port in use: a late close of one replaced since says nothing.
    if (words === null || words.id() !== port) return;
    words[dispose]();
    words = null;
    show('#status', 'the Python utility closed its port');
  },

  handle(channel, _payload) {
    throw { code: 'no-handler', message: `the renderer has no handler for \`${channel}\``, data: undefined };
  },
};
