/**
 * Processes Parley starts: the program under test and spawned clients. Each
 * runs in its own process group so that stopping it stops its children too.
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import { ReceiveBuffer } from "./receive_buffer.ts";
import { Notifier } from "./notifier.ts";
import { RegexTimeoutError, settleMatch } from "./match/regex_guard.ts";
import type { Transcript } from "./transcript.ts";

/** How a process ended. */
export interface ProcessExit {
  /** The exit code (128 + the signal's number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, if any. */
  readonly signal: Deno.Signal | null;
  /** Whether Parley stopped it. */
  readonly stoppedByUs: boolean;
}

/** Options for {@linkcode RunningProcess.start}. */
export interface ProcessOptions {
  /** The name reports use, e.g. `client` or `program`. */
  name: string;
  /**
   * The working directory.
   *
   * @default {Deno.cwd()}
   */
  cwd?: string;
  /**
   * Extra environment variables; the rest are inherited.
   *
   * @default {{}}
   */
  env?: Record<string, string>;
  /**
   * Where stdin, stdout and stderr traffic is recorded.
   *
   * @default {undefined}
   */
  transcript?: Transcript;
  /**
   * The most unread output held per stream before reading pauses.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
}

/** A process that could not be started. */
export class SpawnError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SpawnError";
  }
}

const TAIL_BYTES = 16 * 1024;
const STOP_GRACE_MS = 2_000;
const decoder = new TextDecoder();

/** The last bytes of a stream, for reports. */
class OutputTail {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #total = 0;

  push(bytes: Uint8Array): void {
    this.#chunks.push(bytes.slice());
    this.#size += bytes.length;
    this.#total += bytes.length;
    while (this.#size - this.#chunks[0].length >= TAIL_BYTES) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  text(): string {
    const text = decoder.decode(concat(this.#chunks) as Uint8Array);
    const clipped = this.#total > this.#size
      ? `… (${this.#total - this.#size} earlier bytes)\n`
      : "";
    return clipped + (text.length > TAIL_BYTES ? text.slice(-TAIL_BYTES) : text);
  }
}

/**
 * A child process with its output gathered (for `expect`) and kept (for
 * reports), and a reliable way to stop it with its children.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { RunningProcess } from "./process.ts";
 * await using child = RunningProcess.start(["echo", "hi"], { name: "echo" });
 * assertEquals((await child.exited).code, 0);
 * assertEquals(child.stdoutText(), "hi\n");
 * ```
 */
export class RunningProcess implements AsyncDisposable {
  /** The name reports use. */
  readonly name: string;
  /** The command, as one readable line. */
  readonly command: string;
  /** The process id (also its process group id). */
  readonly pid: number;
  /** Its standard output, for `expect`. */
  readonly stdout: ReceiveBuffer;
  /** Its standard error, for `expect`. */
  readonly stderr: ReceiveBuffer;
  /** Resolves when it exits. */
  readonly exited: Promise<ProcessExit>;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #tails = { stdout: new OutputTail(), stderr: new OutputTail() };
  readonly #outputChanged = new Notifier();
  readonly #pumps: Promise<void>[];
  #exit: ProcessExit | undefined;
  #stopping = false;
  #stdinClosed = false;

  private constructor(args: readonly string[], child: Deno.ChildProcess, options: ProcessOptions) {
    this.name = options.name;
    this.command = args.map((arg) => /^[\w./:=@%+-]+$/.test(arg) ? arg : JSON.stringify(arg)).join(
      " ",
    );
    this.#child = child;
    this.pid = child.pid;
    const maxBuffer = options.maxBuffer ?? 1024 * 1024;
    this.stdout = new ReceiveBuffer(maxBuffer);
    this.stderr = new ReceiveBuffer(maxBuffer);
    this.#stdin = child.stdin.getWriter();
    this.#stdin.closed.catch(() => {});
    const transcript = options.transcript;
    this.#pumps = [
      this.#pump(
        child.stdout,
        this.stdout,
        this.#tails.stdout,
        (bytes) => transcript?.record(this.name, "receive", { bytes }),
      ),
      this.#pump(
        child.stderr,
        this.stderr,
        this.#tails.stderr,
        (bytes) => transcript?.record(`${this.name}.stderr`, "receive", { bytes }),
      ),
    ];
    // Not waiting for the output pumps: a grandchild may hold the pipes open.
    this.exited = child.status.then((status) => {
      this.#exit = {
        code: status.code,
        signal: status.signal,
        stoppedByUs: this.#stopping,
      };
      transcript?.record(this.name, "end", { detail: describeExit(this.#exit) });
      return this.#exit;
    });
  }

  /**
   * Starts a process in a process group of its own.
   *
   * @param args The program and its arguments.
   * @param options Name, working directory, environment and transcript.
   * @returns The running process.
   * @throws {SpawnError} When the program cannot be started.
   */
  static start(args: readonly string[], options: ProcessOptions): RunningProcess {
    const env = { ...options.env };
    // Python block-buffers output into a pipe; tests need every prompt now.
    env.PYTHONUNBUFFERED ??= "1";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(args[0], {
        args: args.slice(1),
        cwd: options.cwd,
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        detached: true,
      }).spawn();
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? options.cwd !== undefined && !existsSync(options.cwd)
          ? `no such directory "${options.cwd}"`
          : "command not found"
        : error instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : (error as Error).message;
      throw new SpawnError(`Cannot run "${args[0]}": ${reason}`, { cause: error });
    }
    options.transcript?.record(options.name, "connect", {
      detail: `process ${child.pid}: ${args.join(" ")}`,
    });
    return new RunningProcess(args, child, options);
  }

  async #pump(
    stream: ReadableStream<Uint8Array>,
    buffer: ReceiveBuffer,
    tail: OutputTail,
    record: (bytes: Uint8Array) => void,
  ): Promise<void> {
    // Output is read as it comes, so a chatty program never blocks on a full pipe.
    try {
      for await (const chunk of stream) {
        record(chunk);
        tail.push(chunk);
        buffer.push(chunk);
        this.#outputChanged.notify();
      }
      buffer.end({ kind: "closed" });
    } catch (error) {
      buffer.end({ kind: "reset", message: (error as Error).message });
    }
    this.#outputChanged.notify();
  }

  /** How it ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** Everything it wrote to stdout that is still kept (the last 16 KiB). */
  stdoutText(): string {
    return this.#tails.stdout.text();
  }

  /** Everything it wrote to stderr that is still kept (the last 16 KiB). */
  stderrText(): string {
    return this.#tails.stderr.text();
  }

  /**
   * Waits until `test` accepts the stdout seen so far, the process exits, or
   * `signal` aborts.
   *
   * @param test Looks at the kept stdout.
   * @param signal Ends the wait.
   * @returns Whether `test` accepted it.
   */
  async waitForOutput(test: (stdout: string) => boolean, signal: AbortSignal): Promise<boolean> {
    // The test may use a guarded regex: a search that outlasts `signal` is a "no".
    const decide = (): Promise<boolean> =>
      settleMatch(() => test(this.stdoutText()), signal).catch((error) => {
        if (error instanceof RegexTimeoutError) return false;
        throw error;
      });
    while (!(await decide())) {
      if (signal.aborted || this.stdout.ended !== undefined) return await decide();
      await this.#outputChanged.wait(signal);
    }
    return true;
  }

  /**
   * Writes to its stdin.
   *
   * @param bytes What to write.
   * @param signal Aborts the write.
   */
  async write(bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.#stdinClosed) {
      throw new SpawnError(`Cannot write to "${this.name}": its stdin is closed`);
    }
    const writing = this.#stdin.write(bytes);
    const aborted = new Promise<"aborted">((resolve) => {
      if (signal.aborted) resolve("aborted");
      signal.addEventListener("abort", () => resolve("aborted"), { once: true });
    });
    let outcome;
    try {
      outcome = await Promise.race([writing.then(() => "written" as const), aborted]);
    } catch (error) {
      throw new SpawnError(`Cannot write to "${this.name}": it closed its stdin`, { cause: error });
    }
    if (outcome === "aborted") {
      throw new SpawnError(`Cannot write to "${this.name}": it did not read its stdin in time`);
    }
  }

  /** Closes its stdin: it reads end-of-file. Safe twice. */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch {
      // It already exited and closed the pipe.
    }
  }

  /**
   * Stops it and its children: SIGTERM to its process group, SIGKILL after a
   * grace period. Safe twice and after it exited.
   *
   * @param graceMs How long it may take to exit after SIGTERM.
   * @returns How it ended.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<ProcessExit> {
    if (this.#exit === undefined) {
      this.#stopping = true;
      signalGroup(this.pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(this.pid, "SIGKILL"), graceMs);
      try {
        await this.#child.status;
      } finally {
        clearTimeout(timer);
      }
    }
    // Children it left behind in its group go too, and with them the pipes.
    signalGroup(this.pid, "SIGKILL");
    await this.closeStdin();
    const exit = await this.exited;
    await Promise.all(this.#pumps);
    return exit;
  }

  /** Same as {@linkcode RunningProcess.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function signalGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Describes how a process ended: `exited with code 1`, `killed by SIGSEGV`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeExit } from "./process.ts";
 * assertEquals(describeExit({ code: 1, signal: null, stoppedByUs: false }), "exited with code 1");
 * ```
 *
 * @param exit How it ended.
 * @returns A short phrase.
 */
export function describeExit(exit: ProcessExit): string {
  if (exit.stoppedByUs) {
    return exit.signal === null
      ? `exited with code ${exit.code}`
      : `stopped by Parley (${exit.signal})`;
  }
  return exit.signal === null ? `exited with code ${exit.code}` : `killed by ${exit.signal}`;
}
