/**
 * Measuring helpers shared by every `*.bench.js`: interleaved A/B rounds with warm-up, per-operation times,
 * medians and spread, and ratios paired round by round (see bench/README.md and shared/BENCHMARKING.md).
 */

/** The p-quantile (0..1) of sorted numbers, linearly interpolated. */
export function quantile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** `{ n, min, p25, median, p75, max }` of a list of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0],
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

/**
 * Collect garbage now, when node runs with --expose-gc (run.js starts children so). Not between samples: on
 * this machine a full GC hands pages back to the host, and the next sample pays for touching them again
 * (a 1 MB msgpack encode measured 3x slower right after gc()). measure() calls it once, before warm-up.
 */
export function collectGarbage() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

const now = () => performance.now();

/**
 * Time one sample: `batch` calls of `fn`, awaiting it only when it returns a promise. Returns wall ms and
 * the process's CPU ms (user + system, all threads: libuv's pool included) over the same interval.
 */
async function sample(fn, batch) {
  const c0 = process.cpuUsage();
  const t0 = now();
  for (let i = 0; i < batch; i++) {
    const r = fn();
    if (r !== undefined && typeof r.then === 'function') await r;
  }
  const wall = now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Measure variants against each other, interleaved.
 *
 * Each variant is `{ fn, ops = 1 }`: `fn()` (sync or async) does `ops` operations; figures are ns per
 * operation. Warm-up rounds run every variant (and calibrate a batch of calls so one timed sample lasts at
 * least `minSampleMs`); then each of `rounds` rounds times one sample of every variant, starting at a
 * different variant each round (rotation), so no variant always runs first or always pays the garbage of the
 * same neighbour. Garbage is not collected between samples (see collectGarbage): a sample long enough to
 * include its share of minor GCs is the honest figure.
 *
 * @returns {{ variants: Record<string, { nsPerOp: ReturnType<typeof stats>, cpuNsPerOp: ReturnType<typeof stats>,
 *   samplesNs: number[], batch: number, ops: number }>,
 *   ratio(a: string, b: string): ReturnType<typeof stats>, diff(a: string, b: string): ReturnType<typeof stats> }}
 *   `ratio(a, b)`: a/b per round, summarized; `diff(a, b)`: a−b ns per op per round, summarized.
 */
export async function measure(
  variants,
  { rounds = 15, warmupRounds = 3, minSampleMs = 20, quick = false } = {},
) {
  const names = Object.keys(variants);
  if (quick) {
    rounds = Math.max(5, Math.ceil(rounds / 3));
    warmupRounds = Math.max(1, Math.ceil(warmupRounds / 2));
  }
  const batch = Object.fromEntries(names.map((n) => [n, 1]));
  collectGarbage();
  // Warm-up: run each variant, growing its batch until one sample reaches minSampleMs.
  for (let w = 0; w < warmupRounds; w++) {
    for (const name of names) {
      let ms = (await sample(variants[name].fn, batch[name])).wall;
      while (ms < minSampleMs && batch[name] < 1e7) {
        batch[name] = Math.ceil(
          batch[name] * Math.min(10, Math.max(1.5, (minSampleMs * 1.2) / Math.max(ms, 0.01))),
        );
        ms = (await sample(variants[name].fn, batch[name])).wall;
      }
    }
  }
  const perRound = Object.fromEntries(names.map((n) => [n, []]));
  const cpuPerRound = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const { wall, cpu } = await sample(variants[name].fn, batch[name]);
      const ops = batch[name] * (variants[name].ops ?? 1);
      perRound[name].push((wall * 1e6) / ops);
      cpuPerRound[name].push((cpu * 1e6) / ops);
    }
  }
  const result = {};
  for (const name of names) {
    result[name] = {
      nsPerOp: stats(perRound[name]),
      cpuNsPerOp: stats(cpuPerRound[name]),
      samplesNs: perRound[name],
      batch: batch[name],
      ops: variants[name].ops ?? 1,
    };
  }
  return {
    variants: result,
    ratio: (a, b) => stats(perRound[a].map((x, i) => x / perRound[b][i])),
    diff: (a, b) => stats(perRound[a].map((x, i) => x - perRound[b][i])),
  };
}
