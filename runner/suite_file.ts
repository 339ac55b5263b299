/**
 * Reading suite and include files safely: only regular files, and at most
 * {@linkcode MAX_SUITE_FILE_BYTES} of them. A FIFO would block the read for
 * ever (and ignore Ctrl-C), `/dev/zero` would never end, and a directory is
 * a mistake worth naming.
 *
 * @module
 */

/** The largest suite or include file read: 10 MiB. */
export const MAX_SUITE_FILE_BYTES = 10 * 1024 * 1024;

/** A suite or include file that cannot be read. */
export class SuiteFileError extends Error {
  /** Why, without the path: `no such file`, `it is a FIFO, not a regular file`. */
  readonly reason: string;

  /**
   * Creates the error.
   *
   * @param reason Why the file cannot be read.
   * @param path The file, when known: the message becomes `Cannot read "PATH": reason`.
   * @param options The underlying error.
   */
  constructor(reason: string, path?: string, options?: ErrorOptions) {
    super(path === undefined ? reason : `Cannot read "${path}": ${reason}`, options);
    this.name = "SuiteFileError";
    this.reason = reason;
  }
}

const decoder = new TextDecoder();

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

function reasonOf(error: unknown): string {
  if (error instanceof SuiteFileError) return error.reason;
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

function check(info: Deno.FileInfo): void {
  if (!info.isFile) throw new SuiteFileError(`it is ${kindOf(info)}, not a regular file`);
  if (info.size > MAX_SUITE_FILE_BYTES) {
    throw new SuiteFileError(
      `it has ${info.size} bytes, more than the limit of ${MAX_SUITE_FILE_BYTES} (10 MiB)`,
    );
  }
}

const CHUNK = 64 * 1024;

/** Gathers reads until end of file, failing once past the limit (the file may grow after stat). */
class Gathered {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  add(chunk: Uint8Array, count: number | null): boolean {
    if (count === null) return false;
    this.chunks.push(chunk.subarray(0, count));
    this.length += count;
    if (this.length > MAX_SUITE_FILE_BYTES) {
      throw new SuiteFileError(
        `it grew past the limit of ${MAX_SUITE_FILE_BYTES} bytes (10 MiB) while being read`,
      );
    }
    return true;
  }

  text(): string {
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return decoder.decode(all);
  }
}

/**
 * Reads a suite file as text: a regular file of at most 10 MiB.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { readSuiteFile } from "./suite_file.ts";
 * assert((await readSuiteFile("scenarios/echo.yaml")).includes("scenarios"));
 * ```
 *
 * @param path The file.
 * @returns Its text.
 * @throws {SuiteFileError} With `Cannot read "PATH": reason`.
 */
export async function readSuiteFile(path: string): Promise<string> {
  try {
    // stat, not open: opening a FIFO blocks until a writer comes.
    check(await Deno.stat(path));
    using file = await Deno.open(path);
    const gathered = new Gathered();
    while (true) {
      const chunk = new Uint8Array(CHUNK);
      if (!gathered.add(chunk, await file.read(chunk))) return gathered.text();
    }
  } catch (error) {
    throw new SuiteFileError(reasonOf(error), path, { cause: error });
  }
}

/**
 * Reads a suite or include file as text, synchronously: a regular file of
 * at most 10 MiB.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { readSuiteFileSync } from "./suite_file.ts";
 * assert(readSuiteFileSync("scenarios/echo.yaml").includes("scenarios"));
 * ```
 *
 * @param path The file.
 * @returns Its text.
 * @throws {SuiteFileError} With `Cannot read "PATH": reason`.
 */
export function readSuiteFileSync(path: string): string {
  try {
    check(Deno.statSync(path));
    using file = Deno.openSync(path);
    const gathered = new Gathered();
    while (true) {
      const chunk = new Uint8Array(CHUNK);
      if (!gathered.add(chunk, file.readSync(chunk))) return gathered.text();
    }
  } catch (error) {
    throw new SuiteFileError(reasonOf(error), path, { cause: error });
  }
}
