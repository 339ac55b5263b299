/**
 * Writing all of a text to standard output or standard error: one
 * `writeSync` may write only part of it to a pipe.
 *
 * @module
 */

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
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
