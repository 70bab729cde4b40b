// The plugins app's renderer, in JavaScript (componentize-js).
//
// It asks main for the plugin's description on load and on "Which plugin?",
// and sends the page's text and options to `apply` on "Apply". Main calls
// whichever plugin the manifest binds; this window does not know which.
// Payloads are MessagePack strings (JSON inside for `apply`), with the
// SDK's `wasmtron-msgpack`.

import { invoke } from 'wasmtron:app/bridge@0.1.0';
import { setText } from 'wasmtron:app/dom@0.1.0';
import { log } from 'wasmtron:app/log@0.1.0';
import { packStr, unpackStr } from 'wasmtron-msgpack';

const dispose = Symbol.dispose || Symbol.for('dispose');

let text = 'Hello, plugins';
let options = '';

/** An invoke's error as "code: message"; main puts the failed call's code first. */
function failure(err) {
  const payload = err && err.payload !== undefined ? err.payload : err;
  if (payload && payload.message) return `${payload.appCode ?? payload.code}: ${payload.message}`;
  return String(payload);
}

function show(selector, value) {
  try {
    setText(selector, value);
  } catch (err) {
    log('warn', `plugins renderer: cannot set ${selector}: ${failure(err)}`);
  }
}

function describe() {
  try {
    show('#plugin', unpackStr(invoke('describe', packStr(''))) ?? '?');
    show('#status', 'ready');
  } catch (err) {
    show('#plugin', `cannot ask main: ${failure(err)}`);
  }
}

function apply() {
  show('#status', 'applying…');
  const request = { text, options: options.split(/\s+/).filter((o) => o !== '') };
  try {
    const outcome = JSON.parse(unpackStr(invoke('apply', packStr(JSON.stringify(request)))));
    show('#output', outcome.text);
    show('#changes', `${outcome.changes} changed, by ${outcome.by}`);
    show('#status', 'applied');
  } catch (err) {
    show('#output', '');
    show('#changes', `failed: ${failure(err)}`);
    show('#status', 'failed');
  }
}

export const rendererEvents = {
  onLoad() {
    describe();
  },

  onEvent(event) {
    if (event.kind === 'input' && event.target === 'text') text = event.value ?? '';
    else if (event.kind === 'input' && event.target === 'options') options = event.value ?? '';
    else if (event.kind === 'click' && event.target === 'apply') apply();
    else if (event.kind === 'click' && event.target === 'describe') describe();
  },

  // No ports here: any that come are closed.
  onPush(_channel, _payload, ports) {
    for (const port of ports) port[dispose]();
  },

  onPortMessage(_port, _data, ports) {
    for (const port of ports) port[dispose]();
  },

  onPortClose(_port) {},

  handle(channel, _payload) {
    throw { code: 'no-handler', message: `the renderer has no handler for \`${channel}\``, data: undefined };
  },
};
