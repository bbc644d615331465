/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "Process를 사용하지 않은 예" (the two
 * functions called one after the other, without processes).
 *
 * Python's output:
 *
 *     Start function 1
 *     End function 1
 *     Start function 2
 *     End function 2
 *
 * Ours: the same. The sleeps are scaled down ten times (3 s → 300 ms,
 * 5 s → 500 ms) so the example ends quickly. Python imports `Process` here
 * without using it; we leave the unused import out.
 *
 * Run: `deno run -A examples/000_sequential.ts`, `bun examples/000_sequential.ts`
 * or `node examples/000_sequential.ts`.
 */

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function function1(): Promise<void> {
  console.log("Start function 1");
  await sleep(300);
  console.log("End function 1");
}

export async function function2(): Promise<void> {
  console.log("Start function 2");
  await sleep(500);
  console.log("End function 2");
}

if (import.meta.main) {
  await function1();
  await function2();
}
