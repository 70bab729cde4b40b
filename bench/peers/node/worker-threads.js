'use strict';
// Reference peer: Node's `worker_threads`, talking over a MessageChannel port.
//
//   node worker-threads.js [--quick] [--iterations N] [--spawns N]
//                          [--stream-mib N] [--timeout-s N]
//
// Prints one JSON object on stdout; diagnostics go to stderr.

const path = require('node:path');
const { Worker, MessageChannel } = require('node:worker_threads');
const h = require('./harness');

const PEER = 'node-worker-threads';
const WORKER = path.join(__dirname, 'worker-threads-worker.js');
/**
 * Stream chunks posted and not yet credited by the worker. A port has no
 * back pressure of its own: without credits the sender would queue the whole
 * stream in memory and time only its own copies.
 */
const WINDOW = 8;

/** Starts a worker; `ready` resolves to the µs from `new Worker` to its first message. */
function startWorker() {
  const started = h.nowUs();
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { workerData: { port: port2 }, transferList: [port2] });
  let stopping = false;
  const died = new Promise((_, reject) => {
    worker.on('error', (err) => reject(new Error(`the worker failed: ${err.stack || err}`)));
    worker.on('exit', (code) => {
      if (!stopping) reject(new Error(`the worker ended early (status ${code})`));
    });
  });
  // Only ever raced against a phase; a rejection here must not go unhandled
  // when no phase is waiting.
  died.catch(() => {});

  let handler = () => {};
  port1.on('message', (msg) => handler(msg));
  const ready = new Promise((resolve, reject) => {
    handler = (msg) => {
      if (msg !== null && typeof msg === 'object' && msg.op === 'ready') resolve(h.nowUs() - started);
      else reject(new Error('the worker spoke before it was ready'));
    };
  });

  return {
    port: port1,
    died,
    ready,
    listen: (fn) => { handler = fn; },
    async stop() {
      stopping = true;
      port1.close();
      await worker.terminate();
    },
  };
}

/** Sends `total` bytes one way in copies of `chunk`; resolves to the µs until the worker's ack. */
function stream(peer, chunk, total) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let unacked = 0;
    let started = 0;
    const pump = () => {
      while (unacked < WINDOW && sent < total) {
        peer.port.postMessage(chunk);
        sent += chunk.byteLength;
        unacked += 1;
      }
    };
    peer.listen((msg) => {
      if (msg !== null && typeof msg === 'object' && msg.op === 'credit') {
        unacked -= 1;
        pump();
      } else if (msg !== null && typeof msg === 'object' && msg.op === 'stream-done') {
        if (msg.bytes === total) resolve(h.nowUs() - started);
        else reject(new Error(`the worker counted ${msg.bytes} bytes of ${total}`));
      } else {
        reject(new Error('unexpected message from the worker during the stream'));
      }
    });
    started = h.nowUs();
    peer.port.postMessage({ op: 'stream', bytes: total });
    pump();
  });
}

async function main() {
  const opts = h.readOptions(PEER);
  const guard = (promise, died, what) => h.withTimeout(Promise.race([promise, died]), opts.timeoutMs, what);

  const peer = startWorker();
  const copied = {};
  const transferred = {};
  let streamMbS;
  try {
    await guard(peer.ready, peer.died, 'the worker to start');
    for (const size of h.SIZES) {
      // Copied: a structured clone each way, what a sender that keeps its
      // buffer gets, and the fair match for a copy between processes.
      peer.port.postMessage({ op: 'echo', transfer: false });
      const copyLink = { send: (v) => peer.port.postMessage(v), listen: peer.listen };
      const copySamples = await guard(
        h.roundTrips(copyLink, new ArrayBuffer(size), opts),
        peer.died,
        `copied round trips of ${size} B`,
      );
      copied[size] = h.summarize(copySamples);

      // Transferred: the same memory goes there and back, no copy at all.
      peer.port.postMessage({ op: 'echo', transfer: true });
      const moveLink = { send: (v) => peer.port.postMessage(v, [v]), listen: peer.listen };
      const moveSamples = await guard(
        h.roundTrips(moveLink, new ArrayBuffer(size), { ...opts, next: (reply) => reply }),
        peer.died,
        `transferred round trips of ${size} B`,
      );
      transferred[size] = h.summarize(moveSamples);
    }
    peer.port.postMessage({ op: 'echo', transfer: false });
    const chunk = new ArrayBuffer(h.CHUNK);
    await guard(stream(peer, chunk, WINDOW * h.CHUNK), peer.died, 'the warm-up stream');
    const us = await guard(stream(peer, chunk, opts.streamBytes), peer.died, 'the stream');
    streamMbS = opts.streamBytes / us; // bytes per µs = MB (10^6 B) per s
  } finally {
    await peer.stop();
  }

  // One untimed start first, so the figure is not the first read of the
  // worker script from disk.
  const spawnMs = [];
  for (let i = 0; i <= opts.spawns; i += 1) {
    const fresh = startWorker();
    try {
      const us = await guard(fresh.ready, fresh.died, 'a new worker to send its first message');
      if (i > 0) spawnMs.push(us / 1000);
    } finally {
      await fresh.stop();
    }
  }

  return {
    node: process.version,
    arraybuffers: 'copied',
    round_trip_us: copied,
    round_trip_transferred_us: transferred,
    stream_mb_s: Number(streamMbS.toFixed(1)),
    stream: { chunk_bytes: h.CHUNK, total_bytes: opts.streamBytes, window: WINDOW, arraybuffers: 'copied' },
    spawn_first_message_ms: Number(h.median(spawnMs).toFixed(2)),
    spawns: opts.spawns,
    iterations: opts.iterations,
    warmup: opts.warmup,
    quick: opts.quick,
  };
}

h.run(PEER, main);
