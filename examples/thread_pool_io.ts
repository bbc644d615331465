/**
 * Python's `multiprocessing.pool.ThreadPool` for I/O: fetch five pages,
 * at most three at a time, and get the results in input order.
 *
 * ```python
 * from multiprocessing.pool import ThreadPool
 *
 * def fetch(url):
 *     time.sleep(0.05)              # the network
 *     return f"{url}: {len(url) * 100} bytes"
 *
 * with ThreadPool(3) as pool:
 *     for line in pool.map(fetch, urls):
 *         print(line)
 * ```
 *
 * The calls run on this thread's event loop (no process is started, no
 * argument is copied), so `fetch` may be a closure. Output:
 *
 *     https://example.com/a: 2100 bytes
 *     ...
 *     most at once: 3
 */

import { ThreadPool } from "../mod.ts";

const urls = ["a", "bb", "ccc", "dddd", "eeeee"].map((p) => `https://example.com/${p}`);
let inFlight = 0;
let most = 0;

async function fetchPage(url: string): Promise<string> {
  most = Math.max(most, ++inFlight);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the network
  inFlight--;
  return `${url}: ${url.length * 100} bytes`;
}

if (import.meta.main) {
  await using pool = new ThreadPool(3);
  for (const line of await pool.map(fetchPage, urls)) console.log(line);
  console.log(`most at once: ${most}`);
}
