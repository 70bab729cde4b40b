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
  var nextFrame = window.requestAnimationFrame.bind(window);
  var split = uncurry(String.prototype.split);
  var toLowerCase = uncurry(String.prototype.toLowerCase);
  var querySelector = uncurry(Document.prototype.querySelector);
  var querySelectorAll = uncurry(Document.prototype.querySelectorAll);
  // The kinds that carry nothing but the element's value (and a submit's
  // fields); the others have listeners of their own below.
  var KINDS = ['click', 'input', 'change', 'submit'];
  // wire::MAX_DROPPED_FILES: a drop names at most this many files.
  var MAX_DROPPED_FILES = 1000;

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

  // The message for `kind` on a declaring element (a wire::UiEvent as
  // wire::page reads it).
  function message(kind, element, fields, detail) {
    return {
      type: 'ui',
      kind: kind,
      target: element.id || '',
      value: valueOf(element),
      fields: fields,
      detail: detail,
    };
  }

  // Capturing on window sees every event first, whatever the page's own
  // handlers do with propagation; walking up from the target then reports
  // the declaring elements in the order bubbling would reach them. Each
  // gets `detailOf(element)` as its detail (`null` without one), or no
  // message when that is `undefined`. Returns whether any element
  // declares `kind`.
  function report(kind, target, fields, detailOf) {
    var declared = false;
    for (
      var element = target instanceof Element ? target : null;
      element !== null;
      element = element.parentElement
    ) {
      if (declares(element, kind)) {
        declared = true;
        var detail = detailOf === undefined ? null : detailOf(element);
        if (detail !== undefined) {
          send(message(kind, element, fields, detail));
        }
      }
    }
    return declared;
  }

  function onEvent(event) {
    var kind = event.type;
    if (kind === 'submit') {
      // A real submission would navigate the app away from itself.
      event.preventDefault();
    }
    var target = event.target;
    var fields =
      kind === 'submit' && target instanceof HTMLFormElement ? fieldsOf(target) : [];
    report(kind, target, fields);
  }

  KINDS.forEach(function (kind) {
    window.addEventListener(kind, onEvent, true);
  });

  // Focus and blur do not bubble; focusin and focusout do, so an element
  // hears the focus coming to or leaving anything inside it.
  window.addEventListener(
    'focusin',
    function (event) {
      report('focus', event.target, []);
    },
    true
  );
  window.addEventListener(
    'focusout',
    function (event) {
      report('blur', event.target, []);
    },
    true
  );

  // ---- Keys, filtered by `data-keys` ----
  //
  // `data-keys="Ctrl+S Delete Shift+Enter"` on a declaring element lets
  // only those keys through to it, so that typing in a field does not send
  // every key to the renderer; without it, every key is sent. A combination
  // is modifiers (Ctrl or Control, Shift, Alt, Meta) and a key as
  // KeyboardEvent.key names it (or Space, Plus) joined by `+`, compared
  // without regard to case; the modifiers held must be exactly those
  // listed. A value that does not parse is reported on the console and lets
  // no key through. The headless backend reads it the same way
  // (host/src/window/headless/keys.rs).

  // Parsed filters by the attribute's text: combinations, or none.
  var keyFilters = create(null);

  function parseKeys(declared) {
    var combos = [];
    var tokens = split(declared, /[ \t\n\f\r]+/);
    for (var t = 0; t < tokens.length; t++) {
      var token = tokens[t];
      if (token === '') {
        continue;
      }
      var parts = split(token, '+');
      for (var p = 0; p < parts.length; p++) {
        if (parts[p] === '') {
          return '`' + token + '` has an empty part (write `+` as `Plus`)';
        }
      }
      var key = toLowerCase(parts[parts.length - 1]);
      var combo = {
        ctrl: false,
        shift: false,
        alt: false,
        meta: false,
        key: key === 'space' ? ' ' : key === 'plus' ? '+' : key,
      };
      for (var m = 0; m < parts.length - 1; m++) {
        var name = toLowerCase(parts[m]);
        var flag = name === 'control' ? 'ctrl' : name;
        if (flag !== 'ctrl' && flag !== 'shift' && flag !== 'alt' && flag !== 'meta') {
          return '`' + parts[m] + '` in `' + token + '` is not a modifier';
        }
        if (combo[flag]) {
          return '`' + parts[m] + '` is named twice in `' + token + '`';
        }
        combo[flag] = true;
      }
      combos[combos.length] = combo;
    }
    return combos;
  }

  function keysPass(element, key) {
    var declared = element.getAttribute('data-keys');
    if (declared === null) {
      return true;
    }
    var combos = keyFilters[declared];
    if (combos === undefined) {
      combos = parseKeys(declared);
      if (typeof combos === 'string') {
        reportError('wasmtron: data-keys "' + declared + '": ' + combos + '; no key passes');
        combos = [];
      }
      keyFilters[declared] = combos;
    }
    var pressed = toLowerCase(key.key);
    for (var i = 0; i < combos.length; i++) {
      var combo = combos[i];
      if (
        combo.key === pressed &&
        combo.ctrl === key.ctrl &&
        combo.shift === key.shift &&
        combo.alt === key.alt &&
        combo.meta === key.meta
      ) {
        return true;
      }
    }
    return false;
  }

  function onKey(event) {
    var key = {
      key: StringCtor(event.key),
      code: StringCtor(event.code),
      ctrl: !!event.ctrlKey,
      shift: !!event.shiftKey,
      alt: !!event.altKey,
      meta: !!event.metaKey,
      repeat: !!event.repeat,
    };
    var detail = { key: key };
    report(event.type, event.target, [], function (element) {
      return keysPass(element, key) ? detail : undefined;
    });
  }

  window.addEventListener('keydown', onKey, true);
  window.addEventListener('keyup', onKey, true);

  // ---- The pointer ----

  function pointerOf(event) {
    return {
      pointer: {
        x: NumberCtor(event.clientX),
        y: NumberCtor(event.clientY),
        button: NumberCtor(event.button),
        buttons: NumberCtor(event.buttons),
      },
    };
  }

  // Moves waiting for the next animation frame, one per declaring element
  // (the latest): a pointer crossing an element sends at most one move per
  // frame, not one per mouse report.
  var moves = [];
  var moveFrame = false;

  function sendMoves() {
    var waiting = moves;
    moves = [];
    for (var i = 0; i < waiting.length; i++) {
      send(waiting[i].message);
    }
  }

  function onPointerMove(event) {
    var detail = pointerOf(event);
    for (
      var element = event.target instanceof Element ? event.target : null;
      element !== null;
      element = element.parentElement
    ) {
      if (!declares(element, 'pointermove')) {
        continue;
      }
      var latest = message('pointermove', element, [], detail);
      var queued = false;
      for (var i = 0; i < moves.length; i++) {
        if (moves[i].element === element) {
          moves[i].message = latest;
          queued = true;
        }
      }
      if (!queued) {
        moves[moves.length] = { element: element, message: latest };
      }
    }
    if (moves.length > 0 && !moveFrame) {
      moveFrame = true;
      nextFrame(function () {
        moveFrame = false;
        sendMoves();
      });
    }
  }

  // Presses, releases, double clicks and the context menu, after any move
  // still waiting, so that they arrive in the order they happened.
  function onPointer(event) {
    sendMoves();
    var detail = pointerOf(event);
    var declared = report(event.type, event.target, [], function () {
      return detail;
    });
    if (declared && event.type === 'contextmenu') {
      // The page's own menu, not WebKit's.
      event.preventDefault();
    }
  }

  window.addEventListener('pointermove', onPointerMove, true);
  ['pointerdown', 'pointerup', 'dblclick', 'contextmenu'].forEach(function (kind) {
    window.addEventListener(kind, onPointer, true);
  });

  // ---- Dropped files: names, sizes and types, never their contents ----

  function filesOf(transfer) {
    var named = [];
    var files = transfer ? transfer.files : null;
    if (!files) {
      return named;
    }
    for (var i = 0; i < files.length && i < MAX_DROPPED_FILES; i++) {
      named[i] = {
        name: StringCtor(files[i].name),
        size: NumberCtor(files[i].size),
        'mime-type': StringCtor(files[i].type),
      };
    }
    return named;
  }

  function declaredOnPath(target, kind) {
    for (
      var element = target instanceof Element ? target : null;
      element !== null;
      element = element.parentElement
    ) {
      if (declares(element, kind)) {
        return true;
      }
    }
    return false;
  }

  // A drop target must refuse the browser's default on the way in, or the
  // drop never comes; on the drop itself, the default would open the file
  // in place of the app (which navigation refuses, but only after trying).
  function allowDrop(event) {
    if (declaredOnPath(event.target, 'drop')) {
      event.preventDefault();
    }
  }

  window.addEventListener('dragenter', allowDrop, true);
  window.addEventListener('dragover', allowDrop, true);
  window.addEventListener(
    'drop',
    function (event) {
      if (!declaredOnPath(event.target, 'drop')) {
        return;
      }
      event.preventDefault();
      var detail = { drop: filesOf(event.dataTransfer) };
      report('drop', event.target, [], function () {
        return detail;
      });
    },
    true
  );

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

  // Reads the page for its renderer (a wire::DomRead as JSON) and returns
  // the answer as JSON text, which wire::parse_page_answer reads: the
  // first match's value, attribute or text, or how many match; a text
  // longer than `max` UTF-16 units (so over `max` bytes) only as its
  // length.
  function readPage(request, max) {
    var answer;
    try {
      if (request.read === 'count') {
        answer = { count: querySelectorAll(document, request.selector).length };
      } else {
        var node = querySelector(document, request.selector);
        var text = null;
        if (node !== null) {
          if (request.read === 'value') {
            text = valueOf(node);
          } else if (request.read === 'attribute') {
            text = node.getAttribute(request.name);
          } else if (request.read === 'text') {
            text = node.textContent;
          }
        }
        text = text === null || text === undefined ? null : StringCtor(text);
        answer = text !== null && text.length > max ? { large: text.length } : { ok: text };
      }
    } catch (e) {
      // A selector WebKit does not take (the host's parser took it).
      answer = 'bad-selector';
    }
    return stringify(answer);
  }

  // ---- The page API: `window.wasmtron` ----
  //
  // Values cross as JSON, with what JSON cannot hold tagged (the host's
  // `page_value` reads and writes the same tags): a Uint8Array as
  // {$bytes: base64}, a BigInt as {$bigint: decimal}, a number that is not
  // finite as {$float: 'NaN' | 'Infinity' | '-Infinity'}. The host checks
  // every value against the function's types; nothing here is trusted.

  var MAX_DEPTH = 128;
  // The host's limit on one page message (wire::page::MAX_MESSAGE_BYTES), in
  // characters: a message this long is not sent. The host refuses a longer
  // one in bytes, and still settles its call.
  var MAX_MESSAGE_CHARS = 24 * 1024 * 1024;

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
        if (value === 0 && 1 / value < 0) {
          // JSON writes -0 as 0.
          return { $float: '-0' };
        }
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
      var message = stringify({ type: 'call', id: id, function: name, args: encoded });
      if (message.length > MAX_MESSAGE_CHARS) {
        reject(failure({ code: 'too-large', message: 'the arguments are over the page message limit' }));
        return;
      }
      pending[id] = { resolve: resolve, reject: reject };
      try {
        post(message);
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

  // ---- Ping: the bridge's own round trip ----
  //
  // `__wasmtron.ping(text)` posts {type: 'ping', id, data: text}; the
  // window answers at once, from its own thread, with
  // `__wasmtron.pong(id, text)`, without the shell or the renderer. It is
  // the floor under a page call: the same page, bridge, message handler and
  // evaluated answer, carrying as many bytes (the benchmark pings with the
  // text a call's arguments encode to; docs/performance.md). The host gives
  // back only the text it was sent, held to the page message limit like any
  // message; it refuses the ping (a rejection, `limit-exceeded`) while a few
  // answers are already on their way. Not on `window.wasmtron`, and not
  // enumerable here: it is for measuring, not for apps.

  var pings = create(null);

  function ping(data) {
    return new PromiseCtor(function (resolve, reject) {
      if (typeof data !== 'string') {
        reject(new ErrorCtor('ping takes a string'));
        return;
      }
      var id = nextId++;
      pings[id] = { resolve: resolve, reject: reject };
      try {
        post(stringify({ type: 'ping', id: id, data: data }));
      } catch (e) {
        delete pings[id];
        reject(failure({ code: 'target-gone', message: 'the host did not take the ping' }));
      }
    });
  }

  function pong(id, data) {
    var waiting = pings[id];
    if (waiting === undefined) {
      return;
    }
    delete pings[id];
    if (typeof data === 'string') {
      waiting.resolve(data);
    } else {
      waiting.reject(failure({ code: 'limit-exceeded', message: 'too many pings on their way' }));
    }
  }

  // The one global the page's scripts use. Non-writable and
  // non-configurable: a page cannot replace it or what it holds.
  defineProperty(window, 'wasmtron', {
    value: freeze({ api: api, on: on, off: off }),
  });

  // The host's way in. A page can call these too, but they only do what
  // the page could do itself: change and read its own DOM, settle its own
  // calls, turn a value into JSON.
  var internals = {
    apply: applyOp,
    read: readPage,
    settle: settle,
    emit: emit,
    stringify: stringify,
  };
  defineProperty(internals, 'ping', { value: ping });
  defineProperty(internals, 'pong', { value: pong });
  defineProperty(window, '__wasmtron', { value: freeze(internals) });
})();
