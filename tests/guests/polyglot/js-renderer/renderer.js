// A wasmtron renderer component written in JavaScript, made into a component
// by componentize-js. It drives the test probe page (tests/fixtures/
// probe.html): `#invoke` invokes main on `#channel` with `#arg`, and what
// comes back lands in `#result`; pushes land in `#pushes`. Everything it
// writes starts with "js:", so the page shows who wrote it.
//
// Payloads are MessagePack strings (`wasmtron-msgpack`, guest-sdk/js).

import { invoke } from 'wasmtron:app/bridge@0.1.0';
import { setText } from 'wasmtron:app/dom@0.1.0';
import { log } from 'wasmtron:app/log@0.1.0';
import { packStr, unpackStr } from 'wasmtron-msgpack';


/** What the page's inputs hold, by element id. */
const inputs = { channel: '', arg: '' };

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
