/**
 * What every bench file shares: the runtime's name, rounds summarised as a
 * median with its min–max spread, the JSON line bench/report.ts reads, and a
 * bound on every step (a step that stalls is named on stderr and skipped, so
 * that one stall never holds up the rest of a run).
 */

import process from "node:process";

/** "deno", "bun" or "node". */
export const runtime: string = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** Rounds per figure (the median is reported, with the min–max spread). */
export const ROUNDS = 5;

/** One figure: the median of `samples`, with their min and max. */
export function emit(
  bench: string,
  unit: string,
  samples: number[],
  options: { who?: string; vs?: string } = {},
): void {
  if (samples.length === 0) return;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (v: number) =>
    unit === "x" ? Math.round(v * 100) / 100 : v < 100 ? Math.round(v * 100) / 100 : Math.round(v);
  console.log(JSON.stringify({
    bench,
    runtime: options.who ?? runtime,
    unit,
    value: round(median),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    rounds: samples.length,
    ...(options.vs ? { vs: options.vs } : {}),
  }));
}

/** Raised by {@linkcode bounded} when a step outlives its bound. */
export class Stalled extends Error {}

/**
 * `promise`, or a {@linkcode Stalled} rejection after `ms`, with the step's
 * name printed to stderr (the run then moves on; what stalled is left
 * behind, and the bench ends with `process.exit`).
 */
export function bounded<T>(
  step: string,
  promise: Promise<T>,
  ms: number,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Stalled(
        `${runtime}: step "${step}" stalled (no end within ${ms} ms)`,
      );
      console.error(error.message);
      reject(error);
    }, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Runs `round` ROUNDS times (each bounded by `ms`) and returns what each
 * returned; a stalled or failed round ends the figure with the rounds so
 * far, its reason on stderr.
 */
export async function rounds(
  step: string,
  round: () => Promise<number> | number,
  ms: number,
  n = ROUNDS,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(
        await bounded(
          `${step} (round ${i + 1})`,
          Promise.resolve().then(round),
          ms,
        ),
      );
    } catch (error) {
      if (!(error instanceof Stalled)) {
        console.error(
          `${runtime}: step "${step}" failed: ${(error as Error).message}`,
        );
      }
      break;
    }
  }
  return out;
}

/**
 * Times several steps side by side: `warmup` untimed calls of each, then
 * `n` rounds in each of which every step runs once in turn (bounded by
 * `ms`, followed by a pause of `pauseMs`), so that all of them meet the
 * same moments of the machine. A step that stalls or fails is named on
 * stderr and left out of the rest. Returns each step's times (ms), in the
 * order of `steps`.
 */
export async function interleaved(
  steps: Array<{ name: string; run: () => Promise<unknown> }>,
  ms: number,
  { n = ROUNDS, warmup = 1, pauseMs = 0 }: { n?: number; warmup?: number; pauseMs?: number } = {},
): Promise<number[][]> {
  const out = steps.map(() => [] as number[]);
  const live = new Set(steps.keys());
  const attempt = async (k: number, round: string): Promise<number | undefined> => {
    const step = steps[k];
    try {
      const t0 = performance.now();
      await bounded(`${step.name} (${round})`, step.run(), ms);
      return performance.now() - t0;
    } catch (error) {
      if (!(error instanceof Stalled)) {
        console.error(`${runtime}: step "${step.name}" failed: ${(error as Error).message}`);
      }
      live.delete(k);
      return undefined;
    } finally {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  for (const k of [...live]) {
    for (let i = 0; i < warmup && live.has(k); i++) await attempt(k, "warm-up");
  }
  for (let i = 1; i <= n; i++) {
    for (const k of [...live]) {
      const t = await attempt(k, `round ${i}`);
      if (t !== undefined) out[k].push(t);
    }
  }
  return out;
}

/** Items per second of `n` items done in `ms` milliseconds. */
export function rate(n: number, ms: number): number {
  return n / (ms / 1000);
}

/** Ends the bench (what stalled, if anything, must not keep it alive). */
export function done(): never {
  process.exit(0);
}
