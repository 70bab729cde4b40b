'use strict';
// The child that fork-ipc.js forks. It says it is ready, echoes every payload
// back as it came, and during a stream counts bytes and answers once at the end.

let streamLeft = 0;
let counted = 0;

process.on('message', (msg) => {
  if (streamLeft > 0) {
    // A Buffer (advanced serialization) or an ASCII string (json): either
    // way `length` is the byte count.
    counted += msg.length;
    streamLeft -= msg.length;
    if (streamLeft <= 0) process.send({ op: 'stream-done', bytes: counted });
    return;
  }
  if (msg !== null && typeof msg === 'object' && msg.op === 'stream') {
    streamLeft = msg.bytes;
    counted = 0;
    return;
  }
  process.send(msg);
});

// The parent is gone, or done with us: nothing else will come.
process.on('disconnect', () => process.exit(0));

process.send({ op: 'ready' });
