'use strict';
// What both Node peers share: options, timing, statistics, timeouts and the
// one-line JSON report. Plain Node 20, no npm packages.

const { parseArgs } = require('node:util');

/** Payload sizes of the round trips, in bytes: 16 B, 64 KiB, 1 MiB. */
const SIZES = [16, 64 * 1024, 1024 * 1024];
/** Size of one chunk of the one-way stream. */
const CHUNK = 1024 * 1024;

/** Whether this process has said what it had to: a result, an error or the usage. */
let reported = false;

const USAGE = `options:
  --iterations N      measured round trips per payload size (default 1000, quick 100)
  --spawns N          spawns timed for the first-message latency (default 10, quick 3)
  --stream-mib N      MiB sent one way for the throughput figure (default 256, quick 32)
  --timeout-s N       longest wait for any one phase, in seconds (default 30)
  --quick             small counts, so the script ends within a second or two
  --help              print this text`;

/**
 * Reads the command line. `extra` adds options of one peer, in the shape
 * `util.parseArgs` takes. An unknown option is an error, so a typo cannot
 * silently run the defaults.
 */
function readOptions(peer, extra = {}, extraUsage = '') {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: {
        iterations: { type: 'string' },
        spawns: { type: 'string' },
        'stream-mib': { type: 'string' },
        'timeout-s': { type: 'string' },
        quick: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        ...extra,
      },
    }));
  } catch (err) {
    process.stderr.write(`${peer}: ${err.message}\n${USAGE}${extraUsage}\n`);
    process.exit(2);
  }
  if (values.help) {
    reported = true;
    process.stderr.write(`${peer}\n${USAGE}${extraUsage}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const count = (name, normal, short, min) => {
    const raw = values[name];
    if (raw === undefined) return quick ? short : normal;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`${peer}: --${name} wants an integer >= ${min}, got \`${raw}\`\n`);
      process.exit(2);
    }
    return n;
  };
  const iterations = count('iterations', 1000, 100, 1);
  return {
    values,
    quick,
    iterations,
    // Enough untimed round trips for the JIT and the allocator to settle.
    warmup: Math.max(20, Math.ceil(iterations / 10)),
    spawns: count('spawns', 10, 3, 1),
    streamBytes: count('stream-mib', 256, 32, 1) * 1024 * 1024,
    timeoutMs: count('timeout-s', 30, 30, 1) * 1000,
  };
}

/** Microseconds since an arbitrary origin, from the monotonic clock. */
function nowUs() {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (x, places = 2) => Number(x.toFixed(places));

/** p50, p99 and mean of samples in microseconds. */
function summarize(samplesUs) {
  const sorted = Float64Array.from(samplesUs).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

function median(values) {
  return percentile(Float64Array.from(values).sort(), 50);
}

/** Rejects with a message naming `what` when `promise` takes over `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Ping-pong over `link` ({ send(value), listen(fn) }): `warmup` untimed then
 * `iterations` timed round trips, one at a time. Driven by callbacks rather
 * than an `await` per message so the figure is the transport's, not the
 * promise machinery's. `next(reply)` picks what to send after a reply (the
 * reply itself when buffers are transferred, since the original is detached).
 */
function roundTrips(link, first, { warmup, iterations, next = () => first }) {
  return new Promise((resolve) => {
    const samples = new Float64Array(iterations);
    let done = -warmup;
    let start = 0;
    link.listen((reply) => {
      const elapsed = nowUs() - start;
      if (done >= 0) samples[done] = elapsed;
      done += 1;
      if (done === iterations) {
        resolve(samples);
        return;
      }
      const value = next(reply);
      start = nowUs();
      link.send(value);
    });
    start = nowUs();
    link.send(first);
  });
}

/**
 * Runs `main` and prints its result as one JSON line on stdout. Any failure
 * goes to stderr and ends the process with status 1; so does an event loop
 * that empties before a result (a peer that vanished without an error).
 */
function run(peer, main) {
  process.on('exit', (code) => {
    if (!reported && code === 0) {
      process.stderr.write(`${peer}: error: ended before a result was measured\n`);
      process.exitCode = 1;
    }
  });
  main().then(
    (result) => {
      reported = true;
      process.stdout.write(`${JSON.stringify({ peer, ...result })}\n`, () => process.exit(0));
    },
    (err) => {
      // A failure this script reports itself (a timeout, a peer that died)
      // reads best as its message; anything else is a bug, so show where.
      const text = err instanceof Error && err.name === 'Error' ? err.message : (err && err.stack) || err;
      process.stderr.write(`${peer}: error: ${text}\n`);
      reported = true;
      process.exit(1);
    },
  );
}

module.exports = {
  SIZES,
  CHUNK,
  readOptions,
  nowUs,
  summarize,
  median,
  withTimeout,
  roundTrips,
  run,
};
