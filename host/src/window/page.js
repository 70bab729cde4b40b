// The wasmtron page bridge. wry injects it into the top frame of every page
// before the page's own scripts run; it is the only way a page talks to its
// renderer, and the only way the renderer changes the page.
//
// The host treats everything this script sends as hostile (the page can call
// window.ipc.postMessage itself), so nothing here is a security boundary: it
// only has to be correct for well-behaved pages.
(function () {
  'use strict';

  // Captured now, before page scripts can replace them.
  var ipc = window.ipc;
  var stringify = JSON.stringify;
  var KINDS = ['click', 'input', 'change', 'submit'];

  function send(message) {
    try {
      ipc.postMessage(stringify(message));
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
  function apply(op) {
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

  // Non-writable and non-configurable, so the host's calls reach this
  // function even if page scripts assign to window.__wasmtron.
  Object.defineProperty(window, '__wasmtron', {
    value: Object.freeze({ apply: apply }),
  });
})();
