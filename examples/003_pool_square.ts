/**
 * Follows the tutorial "[파이썬 정복하기]
 * 라이브러리 12장 - 동시에 실행하기1", "Pool을 이용한 작업 분배"
 * (mp_test4.py): `with Pool(4) as pool: results = pool.map(square, nums)`.
 *
 * Python's output (after about one second: the four squares run in
 * parallel):
 *
 *     [1, 4, 9, 16]
 *
 * Ours: `[ 1, 4, 9, 16 ]` (Node's and Deno's array formatting; Bun prints
 * `[ 1, 4, 9, 16 ]` too), after about one second. `await using` ends the
 * pool at the end of the block as Python's `with` does (terminate).
 */

import { Pool } from "../mod.ts";

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function square(n: number): Promise<number> {
  await sleep(1000);
  return n * n;
}

if (import.meta.main) {
  const nums = [1, 2, 3, 4];
  let results: number[];
  {
    await using pool = new Pool(4);
    results = await pool.map(square, nums);
  }
  console.log(results);
  // 리스트 nums의 각 원소에 대해 worker가 병렬 실행
}
