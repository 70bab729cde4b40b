// The wasmtron page bridge. wry injects it into the top frame of every page
// before the page's own scripts run; it is the only way a page talks to its
// renderer, and the only way the renderer changes the page.
//
// The host treats everything this script sends as hostile (the page can call
// window.ipc.postMessage itself), so nothing here is a security boundary: it
// only has to be correct for well-behaved pages.
(function () {
  'use strict';

  // Captured now, before page scripts can replace them. Methods are bound
  // to `call` so that a page replacing a prototype's method later does not
  // change what the bridge runs.
  // wry's `window.ipc.postMessage` looks WebKit's message handler up at
  // each call; the handler itself is taken now, so that a page that later
  // shadows `window.webkit` only stops its own calls reaching the host.
  var handlers = window.webkit && window.webkit.messageHandlers;
  var channel = handlers && handlers.ipc ? handlers.ipc : window.ipc;
  var post = channel.postMessage.bind(channel);
  var stringify = JSON.stringify;
  var uncurry = Function.prototype.bind.bind(Function.prototype.call);
  var apply = uncurry(Function.prototype.apply);
  var hasOwn = uncurry(Object.prototype.hasOwnProperty);
  var subarray = uncurry(Uint8Array.prototype.subarray);
  var charCodeAt = uncurry(String.prototype.charCodeAt);
  var keys = Object.keys;
  var create = Object.create;
  var freeze = Object.freeze;
  var defineProperty = Object.defineProperty;
  var isArray = Array.isArray;
  var fromCharCode = String.fromCharCode;
  var PromiseCtor = Promise;
  var ErrorCtor = Error;
  var Bytes = Uint8Array;
  var ArrayBufferView = ArrayBuffer.isView;
  var BigIntCtor = typeof BigInt === 'function' ? BigInt : null;
  var btoaFn = window.btoa.bind(window);
  var atobFn = window.atob.bind(window);
  var ProxyCtor = Proxy;
  var StringCtor = String;
  var NumberCtor = Number;
  var isFinite = Number.isFinite;
  var floor = Math.floor;
  var random = Math.random;
  var reportError = console.error.bind(console);
  var KINDS = ['click', 'input', 'change', 'submit'];

  function send(message) {
    try {
      post(stringify(message));
    } catch (e) {
      // Nothing useful to do: the host is gone or the message was unserializable.
    }
  }

  function declares(element, kind) {
    var names = element.getAttribute('data-on');
    return names !== null && names.split(/\s+/).indexOf(kind) !== -1;
  }

  function valueOf(element) {
    if (
      element instanceof HTMLInputElement ||
      element instanceof HTMLTextAreaElement ||
      element instanceof HTMLSelectElement
    ) {
      return String(element.value);
    }
    return null;
  }

  // FormData applies the browser's own rules: document order, named and
  // enabled controls only, unchecked checkboxes and radios and buttons left
  // out. File inputs yield File objects, which have no string form here.
  function fieldsOf(form) {
    var fields = [];
    try {
      new FormData(form).forEach(function (value, name) {
        if (typeof value === 'string') {
          fields.push([name, value]);
        }
      });
    } catch (e) {
      // A form FormData refuses yields no fields rather than no event.
    }
    return fields;
  }

  // Capturing on window sees every event first, whatever the page's own
  // handlers do with propagation; walking up from the target then reports
  // the declaring elements in the order bubbling would reach them.
  function onEvent(event) {
    var kind = event.type;
    if (kind === 'submit') {
      // A real submission would navigate the app away from itself.
      event.preventDefault();
    }
    var target = event.target;
    var fields =
      kind === 'submit' && target instanceof HTMLFormElement ? fieldsOf(target) : [];
    for (
      var element = target instanceof Element ? target : null;
      element !== null;
      element = element.parentElement
    ) {
      if (declares(element, kind)) {
        send({
          type: 'ui',
          kind: kind,
          target: element.id || '',
          value: valueOf(element),
          fields: fields,
        });
      }
    }
  }

  KINDS.forEach(function (kind) {
    window.addEventListener(kind, onEvent, true);
  });

  // DOMContentLoaded comes after deferred and module scripts, so the page's
  // own set-up has run when the renderer starts changing it.
  function loaded() {
    send({ type: 'loaded' });
    // The second animation frame after loading runs once the first frame
    // with the page in it was drawn.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        send({ type: 'painted' });
      });
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', loaded, { once: true });
  } else {
    loaded();
  }

  function applyTo(node, op) {
    switch (op.op) {
      case 'set-text':
        node.textContent = op.text;
        break;
      case 'set-html':
        node.innerHTML = op.html;
        break;
      case 'set-attribute':
        node.setAttribute(op.name, op.value);
        break;
      case 'remove-attribute':
        node.removeAttribute(op.name);
        break;
      case 'add-class':
        node.classList.add(op.name);
        break;
      case 'remove-class':
        node.classList.remove(op.name);
        break;
      case 'set-value':
        if ('value' in node) {
          node.value = op.value;
        }
        break;
    }
  }

  // Applies one DOM operation (a wire::DomOp as JSON) to every match of its
  // selector and returns how many elements matched. Invalid selectors,
  // attribute names or class tokens throw in the DOM; they are ignored, as
  // the headless backend ignores them.
  function applyOp(op) {
    var nodes;
    try {
      nodes = document.querySelectorAll(op.selector);
    } catch (e) {
      return 0;
    }
    for (var i = 0; i < nodes.length; i++) {
      try {
        applyTo(nodes[i], op);
      } catch (e) {
        // Same reason as above: a bad operation changes nothing.
      }
    }
    return nodes.length;
  }

  // ---- The page API: `window.wasmtron` ----
  //
  // Values cross as JSON, with what JSON cannot hold tagged (the host's
  // `page_value` reads and writes the same tags): a Uint8Array as
  // {$bytes: base64}, a BigInt as {$bigint: decimal}, a number that is not
  // finite as {$float: 'NaN' | 'Infinity' | '-Infinity'}. The host checks
  // every value against the function's types; nothing here is trusted.

  var MAX_DEPTH = 128;

  function toBase64(bytes) {
    var parts = '';
    for (var at = 0; at < bytes.length; at += 0x8000) {
      parts += apply(fromCharCode, null, subarray(bytes, at, at + 0x8000));
    }
    return btoaFn(parts);
  }

  function fromBase64(text) {
    var binary = atobFn(text);
    var bytes = new Bytes(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = charCodeAt(binary, i);
    }
    return bytes;
  }

  function encode(value, depth) {
    if (depth > MAX_DEPTH) {
      throw new ErrorCtor('the value nests too deep');
    }
    switch (typeof value) {
      case 'undefined':
        return null;
      case 'bigint':
        return { $bigint: StringCtor(value) };
      case 'number':
        return isFinite(value) ? value : { $float: StringCtor(value) };
      case 'boolean':
      case 'string':
        return value;
      case 'object':
        break;
      default:
        throw new ErrorCtor('a ' + typeof value + ' cannot cross to the renderer');
    }
    if (value === null) {
      return null;
    }
    if (value instanceof Bytes) {
      return { $bytes: toBase64(value) };
    }
    if (ArrayBufferView(value)) {
      throw new ErrorCtor('only a Uint8Array crosses as bytes');
    }
    var out;
    if (isArray(value)) {
      out = [];
      for (var i = 0; i < value.length; i++) {
        out[i] = encode(value[i], depth + 1);
      }
      return out;
    }
    out = {};
    var names = keys(value);
    for (var j = 0; j < names.length; j++) {
      var name = names[j];
      if (value[name] !== undefined) {
        out[name] = encode(value[name], depth + 1);
      }
    }
    return out;
  }

  function decode(value) {
    if (value === null || typeof value !== 'object') {
      return value;
    }
    if (isArray(value)) {
      for (var i = 0; i < value.length; i++) {
        value[i] = decode(value[i]);
      }
      return value;
    }
    var names = keys(value);
    if (names.length === 1) {
      if (names[0] === '$bytes') {
        return fromBase64(value.$bytes);
      }
      if (names[0] === '$bigint' && BigIntCtor !== null) {
        return BigIntCtor(value.$bigint);
      }
      if (names[0] === '$float') {
        return NumberCtor(value.$float);
      }
    }
    for (var j = 0; j < names.length; j++) {
      value[names[j]] = decode(value[names[j]]);
    }
    return value;
  }

  // Calls waiting for the host, by id. Ids start at a random place, so that
  // an answer meant for the page before a reload settles nothing here.
  var pending = create(null);
  var nextId = floor(random() * 0x100000000) * 0x10000;

  function call(name, args) {
    return new PromiseCtor(function (resolve, reject) {
      var encoded = [];
      try {
        for (var i = 0; i < args.length; i++) {
          encoded[i] = encode(args[i], 0);
        }
      } catch (e) {
        reject(failure({ code: 'bad-payload', message: StringCtor(e && e.message) }));
        return;
      }
      var id = nextId++;
      pending[id] = { resolve: resolve, reject: reject };
      try {
        post(stringify({ type: 'call', id: id, function: name, args: encoded }));
      } catch (e) {
        delete pending[id];
        reject(failure({ code: 'target-gone', message: 'the host did not take the call' }));
      }
    });
  }

  function failure(details) {
    var error = new ErrorCtor(details.message);
    error.name = 'WasmtronError';
    error.code = details.code;
    if (hasOwn(details, 'payload')) {
      error.payload = decode(details.payload);
    }
    return error;
  }

  function settle(id, ok, value) {
    var waiting = pending[id];
    if (waiting === undefined) {
      return;
    }
    delete pending[id];
    if (ok) {
      waiting.resolve(decode(value));
    } else {
      waiting.reject(failure(value));
    }
  }

  // `wasmtron.api.NAME` is a function for any name: the host answers a name
  // the page API does not have with a `no-handler` rejection. `then` is not
  // one, so that the API object is not mistaken for a promise.
  var api = new ProxyCtor(freeze(create(null)), {
    get: function (target, name) {
      if (typeof name !== 'string' || name === 'then') {
        return undefined;
      }
      return function () {
        return call(name, arguments);
      };
    },
    set: function () {
      return false;
    },
    defineProperty: function () {
      return false;
    },
    deleteProperty: function () {
      return false;
    },
  });

  // Listeners of the renderer's events, by event name.
  var listeners = create(null);

  function on(event, listener) {
    if (typeof event !== 'string' || typeof listener !== 'function') {
      throw new ErrorCtor('wasmtron.on(event, listener) takes a name and a function');
    }
    var list = listeners[event] || (listeners[event] = []);
    list[list.length] = listener;
    return function () {
      off(event, listener);
    };
  }

  function off(event, listener) {
    var list = listeners[event];
    if (list === undefined) {
      return;
    }
    var kept = [];
    var removed = false;
    for (var i = 0; i < list.length; i++) {
      if (!removed && list[i] === listener) {
        removed = true;
      } else {
        kept[kept.length] = list[i];
      }
    }
    listeners[event] = kept;
  }

  function emit(event, args) {
    var list = listeners[event];
    if (list === undefined) {
      return;
    }
    var values = decode(args);
    var snapshot = [];
    for (var i = 0; i < list.length; i++) {
      snapshot[i] = list[i];
    }
    for (var j = 0; j < snapshot.length; j++) {
      try {
        apply(snapshot[j], null, values);
      } catch (e) {
        reportError(e);
      }
    }
  }

  // The one global the page's scripts use. Non-writable and
  // non-configurable: a page cannot replace it or what it holds.
  defineProperty(window, 'wasmtron', {
    value: freeze({ api: api, on: on, off: off }),
  });

  // The host's way in. A page can call these too, but they only do what
  // the page could do itself: change its own DOM, settle its own calls,
  // turn a value into JSON.
  defineProperty(window, '__wasmtron', {
    value: freeze({ apply: applyOp, settle: settle, emit: emit, stringify: stringify }),
  });
})();
