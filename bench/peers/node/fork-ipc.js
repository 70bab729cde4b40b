'use strict';
// Reference peer: Node's `child_process.fork` IPC channel.
//
//   node fork-ipc.js [--quick] [--iterations N] [--spawns N] [--stream-mib N]
//                    [--timeout-s N] [--serialization advanced|json]
//
// Prints one JSON object on stdout; diagnostics go to stderr.

const path = require('node:path');
const { fork } = require('node:child_process');
const h = require('./harness');

const PEER = 'node-fork-ipc';
const CHILD = path.join(__dirname, 'fork-ipc-child.js');
/** Stream chunks handed to the channel and not yet written to the socket. */
const WINDOW = 8;

/** Forks the child; `ready` resolves to the µs from fork to its first message. */
function startChild(serialization) {
  const started = h.nowUs();
  const child = fork(CHILD, [], {
    serialization,
    // The child's stdout must never mix with our one JSON line.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let stopping = false;
  const died = new Promise((_, reject) => {
    child.on('error', (err) => reject(new Error(`the child failed: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the child ended early (status ${code}, signal ${signal})`));
    });
  });
  // Only ever raced against a phase; a rejection here must not go unhandled
  // when no phase is waiting.
  died.catch(() => {});

  let handler = () => {};
  child.on('message', (msg) => handler(msg));
  const ready = new Promise((resolve, reject) => {
    handler = (msg) => {
      if (msg !== null && typeof msg === 'object' && msg.op === 'ready') resolve(h.nowUs() - started);
      else reject(new Error('the child spoke before it was ready'));
    };
  });

  return {
    child,
    died,
    ready,
    link: { send: (value) => child.send(value), listen: (fn) => { handler = fn; } },
    stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      // A child that ignores SIGTERM must still not keep us waiting.
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      return exited.finally(() => clearTimeout(force));
    },
  };
}

/** Sends `total` bytes one way in `chunk`s; resolves to the µs until the child's ack. */
function stream(peer, chunk, total) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let inFlight = 0;
    let started = 0;
    peer.link.listen((msg) => {
      if (msg === null || typeof msg !== 'object' || msg.op !== 'stream-done') {
        reject(new Error('unexpected message from the child during the stream'));
      } else if (msg.bytes !== total) {
        reject(new Error(`the child counted ${msg.bytes} bytes of ${total}`));
      } else {
        resolve(h.nowUs() - started);
      }
    });
    // The send callback fires once the message is written to the socket, so
    // the window is the kernel's own back pressure plus a little queue.
    const pump = () => {
      while (inFlight < WINDOW && sent < total) {
        sent += chunk.length;
        inFlight += 1;
        peer.child.send(chunk, (err) => {
          inFlight -= 1;
          if (err) reject(new Error(`sending a chunk failed: ${err.message}`));
          else pump();
        });
      }
    };
    started = h.nowUs();
    peer.child.send({ op: 'stream', bytes: total });
    pump();
  });
}

async function main() {
  const opts = h.readOptions(
    PEER,
    { serialization: { type: 'string', default: 'advanced' } },
    '\n  --serialization S   advanced (default; Buffers as binary) or json (ASCII strings)',
  );
  const serialization = opts.values.serialization;
  if (serialization !== 'advanced' && serialization !== 'json') {
    throw new Error(`--serialization is advanced or json, not \`${serialization}\``);
  }
  // JSON would turn a Buffer into an array of numbers; a string is what a
  // JSON user sends.
  const payload = (size) => (serialization === 'advanced' ? Buffer.alloc(size, 0x61) : 'a'.repeat(size));
  const guard = (promise, died, what) => h.withTimeout(Promise.race([promise, died]), opts.timeoutMs, what);

  const peer = startChild(serialization);
  const roundTrip = {};
  let streamMbS;
  try {
    await guard(peer.ready, peer.died, 'the child to start');
    for (const size of h.SIZES) {
      const samples = await guard(
        h.roundTrips(peer.link, payload(size), opts),
        peer.died,
        `round trips of ${size} B`,
      );
      roundTrip[size] = h.summarize(samples);
    }
    const chunk = payload(h.CHUNK);
    await guard(stream(peer, chunk, WINDOW * h.CHUNK), peer.died, 'the warm-up stream');
    const us = await guard(stream(peer, chunk, opts.streamBytes), peer.died, 'the stream');
    streamMbS = opts.streamBytes / us; // bytes per µs = MB (10^6 B) per s
  } finally {
    await peer.stop();
  }

  // One untimed spawn first, so the figure is not the first read of node
  // and the scripts from disk.
  const spawnMs = [];
  for (let i = 0; i <= opts.spawns; i += 1) {
    const fresh = startChild(serialization);
    try {
      const us = await guard(fresh.ready, fresh.died, 'a new child to send its first message');
      if (i > 0) spawnMs.push(us / 1000);
    } finally {
      await fresh.stop();
    }
  }

  return {
    node: process.version,
    serialization,
    payload: serialization === 'advanced' ? 'Buffer' : 'string',
    round_trip_us: roundTrip,
    stream_mb_s: Number(streamMbS.toFixed(1)),
    stream: { chunk_bytes: h.CHUNK, total_bytes: opts.streamBytes, window: WINDOW },
    spawn_first_message_ms: Number(h.median(spawnMs).toFixed(2)),
    spawns: opts.spawns,
    iterations: opts.iterations,
    warmup: opts.warmup,
    quick: opts.quick,
  };
}

h.run(PEER, main);
