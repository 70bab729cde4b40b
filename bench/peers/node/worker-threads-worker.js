'use strict';
// The worker that worker-threads.js starts. Everything goes through the
// MessagePort it is handed in `workerData`: it says it is ready, echoes every
// ArrayBuffer (copied or transferred, as the last `echo` message asked), and
// during a stream grants one credit per chunk and answers once at the end.

const { workerData } = require('node:worker_threads');

const port = workerData.port;
let transfer = false;
let streamLeft = 0;
let counted = 0;

port.on('message', (msg) => {
  if (streamLeft > 0) {
    counted += msg.byteLength;
    streamLeft -= msg.byteLength;
    if (streamLeft <= 0) port.postMessage({ op: 'stream-done', bytes: counted });
    else port.postMessage({ op: 'credit' });
    return;
  }
  if (msg instanceof ArrayBuffer) {
    if (transfer) port.postMessage(msg, [msg]);
    else port.postMessage(msg);
    return;
  }
  if (msg.op === 'echo') {
    transfer = msg.transfer;
  } else if (msg.op === 'stream') {
    streamLeft = msg.bytes;
    counted = 0;
  }
});

port.postMessage({ op: 'ready' });
