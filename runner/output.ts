/**
 * Writing all of a text to standard output or standard error: one
 * `writeSync` may write only part of it to a pipe, and a pipe whose reader
 * has gone (`parley run | head`) is not an error of the run.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Streams whose reader went away (`parley run | head`): later writes are dropped. */
const closed = new WeakSet<object>();

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  if (closed.has(stream)) return;
  const bytes = encoder.encode(text);
  let written = 0;
  try {
    while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
  } catch (error) {
    // A closed pipe is the reader's choice, not a crash: stop writing, keep running,
    // so processes are still stopped and the exit code is still the run's.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    closed.add(stream);
  }
}

/**
 * Writes text to standard output, all of it.
 *
 * @example
 * ```ts
 * import { writeStdout } from "./output.ts";
 * writeStdout("");
 * ```
 *
 * @param text The text.
 */
export function writeStdout(text: string): void {
  writeAll(Deno.stdout, text);
}

/**
 * Writes text to standard error, all of it.
 *
 * @example
 * ```ts
 * import { writeStderr } from "./output.ts";
 * writeStderr("");
 * ```
 *
 * @param text The text.
 */
export function writeStderr(text: string): void {
  writeAll(Deno.stderr, text);
}
