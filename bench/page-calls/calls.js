// The page side of the page-call rows (bench/src/page_calls.rs). Times,
// from this page's own scripts, round trips that start and end here:
//
// - a call of the renderer's page API (`wasmtron.api.echoBytes`, the test
//   guest page-renderer's) with 16 B and with 1 MiB, the same bytes back;
// - the floor under it: `__wasmtron.ping` of the bridge (page.js), which the
//   window answers itself, without the shell or the renderer, carrying the
//   text the call's argument is encoded to (its base64);
// - the base64 both ways of 1 MiB, done as page.js does it, which a call of
//   bytes pays in the page and a ping does not.
//
// The cases run in turns, round after round, so that a change of load hits
// all of them. The figures go into #result as JSON, which the bench reads
// through `wasmtron run --automation`.
//
// WebKit's performance.now() counts whole milliseconds (against timing
// attacks), far coarser than a small round trip. So each sample is a batch
// of round trips, awaited one after another and timed together: the sample
// is their mean. The warm-up sizes each case's batch to last about
// BATCH_MS; a round trip that lasts longer than that is a batch of one.

const BATCH_MS = 25;

const settings = document.body.dataset;
const ROUNDS = Number(settings.rounds);
const BATCHES = Number(settings.batches);
const WARMUP_MS = Number(settings.warmup);

const ping = window.__wasmtron.ping;

function pattern(length) {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = i % 251;
  }
  return bytes;
}

// As page.js encodes a Uint8Array ({$bytes: base64}) and decodes one.
function toBase64(bytes) {
  let parts = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    parts += String.fromCharCode.apply(null, bytes.subarray(at, at + 0x8000));
  }
  return btoa(parts);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

function same(a, b) {
  if (!(a instanceof Uint8Array) || a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

const small = pattern(16);
const large = pattern(1024 * 1024);
const smallText = toBase64(small);
const largeText = toBase64(large);

// Each case: one round trip, and whether what came back is what went.
const CASES = [
  { name: 'call-16', once: () => wasmtron.api.echoBytes(small), check: (back) => same(back, small) },
  { name: 'ping-16', once: () => ping(smallText), check: (back) => back === smallText },
  { name: 'call-1m', once: () => wasmtron.api.echoBytes(large), check: (back) => same(back, large) },
  { name: 'ping-1m', once: () => ping(largeText), check: (back) => back === largeText },
  {
    name: 'base64-1m',
    once: async () => fromBase64(toBase64(large)),
    check: (back) => same(back, large),
  },
];

function renderer() {
  const status = document.getElementById('status');
  return new Promise((resolve) => {
    const loaded = () => status.textContent === 'loaded';
    if (loaded()) {
      resolve();
      return;
    }
    const watch = new MutationObserver(() => {
      if (loaded()) {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(status, { childList: true, characterData: true, subtree: true });
  });
}

// Checks what comes back, runs the case for WARMUP_MS, and sizes its batch
// from how long a round trip took meanwhile.
async function warm(c) {
  if (!c.check(await c.once())) {
    throw new Error(`${c.name}: what came back is not what went`);
  }
  let count = 0;
  const started = performance.now();
  while (count < 3 || performance.now() - started < WARMUP_MS) {
    await c.once();
    count += 1;
  }
  const each = (performance.now() - started) / count;
  c.batch = Math.max(1, Math.round(BATCH_MS / Math.max(each, 0.001)));
  c.samples = [];
}

async function batch(c) {
  const started = performance.now();
  for (let i = 0; i < c.batch; i++) {
    await c.once();
  }
  c.samples.push(((performance.now() - started) * 1000) / c.batch);
}

// The smallest step performance.now() takes, in milliseconds.
function clockStep() {
  let step = Infinity;
  let last = performance.now();
  const until = last + 20;
  while (last < until) {
    const now = performance.now();
    if (now !== last) {
      step = Math.min(step, now - last);
      last = now;
    }
  }
  return step;
}

async function run() {
  await renderer();
  for (const c of CASES) {
    await warm(c);
  }
  const progress = document.getElementById('progress');
  for (let round = 0; round < ROUNDS; round++) {
    progress.textContent = `round ${round + 1} of ${ROUNDS}`;
    for (const c of CASES) {
      for (let i = 0; i < BATCHES; i++) {
        await batch(c);
      }
    }
  }
  const cases = {};
  for (const c of CASES) {
    cases[c.name] = { batch: c.batch, samples_us: c.samples };
  }
  return {
    clock_step_ms: clockStep(),
    encoded: { 'call-16': smallText.length, 'call-1m': largeText.length },
    cases,
  };
}

run().then(
  (report) => {
    document.getElementById('result').textContent = JSON.stringify(report);
  },
  (e) => {
    const code = e && e.code ? `${e.code}: ` : '';
    document.getElementById('result').textContent = JSON.stringify({
      error: code + String(e && e.message),
    });
  },
);
