/**
 * Follows a tutorial's notes on the Python 3.4 multiprocessing docs,
 * section "3-3. Pipe": the parent sends through one end of a pipe, the
 * child prints it and answers through the other.
 *
 *   deno run -A examples/001_pipe.ts | bun examples/001_pipe.ts | node examples/001_pipe.ts
 *
 * Output (as Python's):
 *   [ "amami", "haruka", "boss" ]       (Python: ['amami', 'haruka', 'boss'])
 *   [ "Chihaya", 72, "keut" ]           (Python: ['Chihaya', 72, 'keut'])
 */

import { type Connection, Pipe, Process } from "../mod.ts";

export async function f(conn: Connection<unknown>): Promise<void> {
  console.log(await conn.recv());
  conn.send(["Chihaya", 72, "keut"]);
  conn.close();
}

if (import.meta.main) {
  const [parentConn, childConn] = Pipe();
  parentConn.send(["amami", "haruka", "boss"]);
  const p = new Process({ target: f, args: [childConn] });
  p.start();
  console.log(await parentConn.recv());
  await p.join();
}
