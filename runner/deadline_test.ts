import { assertEquals } from "@std/assert";
import { Deadline } from "./deadline.ts";

function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));
}

Deno.test("a deadline aborts with a TimeoutError when its time is up", async () => {
  using deadline = new Deadline(10);
  const reason = await aborted(deadline.signal);
  assertEquals((reason as DOMException).name, "TimeoutError");
});

Deno.test("a deadline aborts when its parent does", () => {
  const run = new AbortController();
  using deadline = new Deadline(60_000, [run.signal]);
  run.abort(new Error("Interrupted"));
  assertEquals(deadline.signal.aborted, true);
  assertEquals((deadline.signal.reason as Error).message, "Interrupted");
});

Deno.test("a cleared deadline never aborts and clearing twice is safe", () => {
  const run = new AbortController();
  const deadline = new Deadline(1, [run.signal]);
  deadline.clear();
  deadline.clear();
  run.abort();
  assertEquals(deadline.signal.aborted, false);
});

Deno.test("a deadline whose parent already aborted starts aborted", () => {
  using deadline = new Deadline(60_000, [AbortSignal.abort("stop")]);
  assertEquals(deadline.signal.aborted, true);
});
