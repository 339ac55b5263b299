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
import {
  descendantsOf,
  findHolders,
  type Holder,
  isAlive,
  openLinks,
  portSockets,
} from "./reap.ts";
import { Deadline } from "./deadline.ts";
import { untilAborted } from "./channels/channel.ts";
import type { ProcessLimits, Transport } from "./suite.ts";
import {
  hiddenInSandbox,
  limitArgs,
  sandboxArgs,
  sandboxFailure,
  type SandboxPlan,
  signalOfExitCode,
} from "./confine.ts";
import { formatDuration } from "./duration.ts";
import { formatSize } from "./size.ts";
import type { Transcript } from "./transcript.ts";

/** How a process ended. */
export interface ProcessExit {
  /** The exit code (128 + the signal's number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, if any. */
  readonly signal: Deno.Signal | null;
  /** Whether Parley stopped it. */
  readonly stoppedByUs: boolean;
  /** The resource limit it ran into, when that is what ended it: `its memory limit of 256 MiB`. */
  readonly limit?: string | undefined;
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
   * The most unread output held per stream, when steps read it.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
  /**
   * Whether steps read its output (a process channel): then unread output
   * is held up to `maxBuffer` per stream, and beyond that the process waits
   * on a full pipe until a step reads. Otherwise its output is read as it
   * comes, so it never blocks, and only the last 64 KiB of each stream are
   * kept for reports.
   *
   * @default {false}
   */
  readBySteps?: boolean;
  /**
   * Without `readBySteps`: whether steps may still read its output (the
   * program under test). The latest `maxBuffer` bytes of each stream are
   * then held for them, older unread bytes dropped, and the process never
   * waits for a reader.
   *
   * @default {false}
   */
  keepLatest?: boolean;
  /**
   * Resource limits for it and its children: its command is prefixed with
   * `prlimit`, and an exit they caused is told as such.
   *
   * @default {undefined}
   */
  limits?: ProcessLimits | undefined;
  /**
   * The sandbox it runs in: its command is prefixed with `bwrap`.
   *
   * @default {undefined}
   */
  sandbox?: SandboxPlan | undefined;
  /**
   * A port it serves: whatever listens there when it is stopped goes with it.
   *
   * @default {undefined}
   */
  serves?: { readonly port: number; readonly transport: Transport };
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

const TAIL_BYTES = 64 * 1024;
/** The environment variable that marks a started process and its descendants. */
const MARKER_NAME = "PARLEY_PROCESS";
const STOP_GRACE_MS = 2_000;
/** How long output may still be read once the process and its group are gone. */
const DRAIN_MS = 500;

/** Every process started and not yet stopped, for {@linkcode killRunningProcesses}. */
const running = new Set<RunningProcess>();
/** Whether this process started any program: only then can one have left processes behind. */
let spawnedAny = false;
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
    while (this.#size - this.#chunks[0]!.length >= TAIL_BYTES) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  /** Every byte ever pushed, kept or not. */
  get total(): number {
    return this.#total;
  }

  text(): string {
    const text = decoder.decode(concat(this.#chunks) as Uint8Array);
    return text.length > TAIL_BYTES ? text.slice(-TAIL_BYTES) : text;
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
  readonly #readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  /** Aborts when stopping begins: output waiting for room is no longer held back. */
  readonly #stopped = new AbortController();
  readonly #readBySteps: boolean;
  /** With {@linkcode ProcessOptions.keepLatest}: how many unread bytes per stream are kept. */
  readonly #keepLatest: number | undefined;
  readonly #serves: ProcessOptions["serves"];
  readonly #transcript: Transcript | undefined;
  /** The pipes created for it, as `/proc` names them: what a daemon it starts inherits. */
  readonly #pipes: readonly string[];
  /** The environment entry its descendants inherit. */
  readonly #marker: string;
  readonly #strays: Holder[] = [];
  #exit: ProcessExit | undefined;
  #stopping = false;
  #stopRun: Promise<ProcessExit> | undefined;
  #stdinClosed = false;

  private constructor(
    args: readonly string[],
    child: Deno.ChildProcess,
    traces: { pipes: readonly string[]; marker: string },
    options: ProcessOptions,
  ) {
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
    this.#readBySteps = options.readBySteps ?? false;
    this.#keepLatest = options.keepLatest === true ? maxBuffer : undefined;
    this.#serves = options.serves;
    this.#transcript = options.transcript;
    this.#pipes = traces.pipes;
    this.#marker = traces.marker;
    running.add(this);
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
      // bwrap waits for the program and tells its death by signal N as 128 + N.
      const signal = status.signal ??
        (options.sandbox === undefined ? null : signalOfExitCode(status.code));
      const exit = { code: status.code, signal, stoppedByUs: this.#stopping };
      const limits = options.limits;
      if (limits !== undefined) {
        // Read when reported: by then its stderr (a MemoryError) has been read too.
        Object.defineProperty(exit, "limit", {
          enumerable: true,
          get: (): string | undefined => exceededLimit(exit, limits, this.stderrText()),
        });
      }
      this.#exit = exit;
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
    // Its descendants inherit this mark, so they are found even once they
    // left the group and closed every file they inherited (a daemon).
    const marker = crypto.randomUUID();
    env[MARKER_NAME] = marker;
    let child: Deno.ChildProcess;
    const prefix = [
      ...limitArgs(options.limits),
      ...(options.sandbox === undefined
        ? []
        : sandboxArgs(options.sandbox, options.cwd ?? Deno.cwd())),
    ];
    if (prefix.length > 0) {
      checkConfinedStart(args[0]!, options, env.PATH ?? Deno.env.get("PATH") ?? "");
    }
    const argv = [...prefix, ...args];
    // The pipes are named from our side: the ones that appear across the spawn.
    // (The child's own /proc/PID/fd may still show our stdio until it execs.)
    const before = new Set(openLinks(Deno.pid));
    spawnedAny = true;
    try {
      child = new Deno.Command(argv[0]!, {
        args: argv.slice(1),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
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
    const pipes = openLinks(Deno.pid).filter((link) =>
      link.startsWith("pipe:") && !before.has(link)
    );
    return new RunningProcess(args, child, { pipes, marker: `${MARKER_NAME}=${marker}` }, options);
  }

  async #pump(
    stream: ReadableStream<Uint8Array>,
    buffer: ReceiveBuffer,
    tail: OutputTail,
    record: (bytes: Uint8Array) => void,
  ): Promise<void> {
    const reader = stream.getReader();
    this.#readers.push(reader);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        record(value);
        tail.push(value);
        if (this.#readBySteps) {
          buffer.push(value);
          // Back-pressure: the program waits on a full pipe until a step reads.
          await buffer.waitForRoom(this.#stopped.signal);
        } else if (this.#keepLatest !== undefined) {
          buffer.push(value);
          buffer.keepLatest(this.#keepLatest);
        }
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

  /** The last 64 KiB it wrote to stdout ({@linkcode RunningProcess.outputSizes} counts it all). */
  stdoutText(): string {
    return this.#tails.stdout.text();
  }

  /** The last 64 KiB it wrote to stderr ({@linkcode RunningProcess.outputSizes} counts it all). */
  stderrText(): string {
    return this.#tails.stderr.text();
  }

  /** How many bytes it wrote to each stream in all. */
  get outputSizes(): { readonly stdout: number; readonly stderr: number } {
    return { stdout: this.#tails.stdout.total, stderr: this.#tails.stderr.total };
  }

  /**
   * Whether a descendant of it still runs (a daemon it started, in its group
   * or not), found by its pipes, its port or its inherited mark.
   *
   * @returns Whether one was found.
   */
  hasLiveDescendants(): boolean {
    return findHolders(this.#traces(), { marker: this.#marker }).length > 0;
  }

  /** What its descendants may hold: the pipes made for it, the sockets on its port. */
  #traces(): Set<string> {
    const traces = new Set(this.#pipes);
    if (this.#serves !== undefined) {
      for (const link of portSockets(this.#serves.port, this.#serves.transport)) traces.add(link);
    }
    return traces;
  }

  /** The processes outside its group that hold one of `traces` or carry its mark. */
  #findStrays(traces: ReadonlySet<string>): Holder[] {
    return findHolders(traces, { skipGroup: this.pid, marker: this.#marker });
  }

  /** Processes that outlived it, holding its pipes or its port, that stopping it had to stop too. */
  get strays(): readonly Holder[] {
    return this.#strays;
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
   * grace period. Processes that left the group (`setsid`, a double fork)
   * but hold its pipes or its port are found through `/proc` and stopped
   * with it, and listed in {@linkcode RunningProcess.strays}. Reading its
   * output then takes at most 500 ms more. Safe twice and after it exited.
   *
   * @param graceMs How long it may take to exit after SIGTERM.
   * @returns How it ended.
   */
  stop(graceMs: number = STOP_GRACE_MS): Promise<ProcessExit> {
    this.#stopRun ??= this.#stop(graceMs);
    return this.#stopRun;
  }

  async #stop(graceMs: number): Promise<ProcessExit> {
    this.#stopped.abort();
    const watched = this.#traces();
    if (this.#exit === undefined) {
      this.#stopping = true;
      // Its own sockets, not what it inherited: Parley's parent may share those with others.
      const inherited = new Set(openLinks(Deno.pid));
      for (const link of openLinks(this.pid)) {
        if (link.startsWith("socket:") && !inherited.has(link)) watched.add(link);
      }
    }
    // Found before signalling, while the group still holds them too.
    const strays = this.#findStrays(watched);
    const started = performance.now();
    for (const stray of strays) signalProcess(stray.pid, "SIGTERM");
    if (this.#exit === undefined) {
      signalGroup(this.pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(this.pid, "SIGKILL"), graceMs);
      try {
        await this.#child.status;
      } finally {
        clearTimeout(timer);
      }
    }
    // Strays get the same grace to shut down cleanly (a daemon saving its state).
    await waitUntilGone(
      strays.map((stray) => stray.pid),
      Math.max(0, graceMs - (performance.now() - started)),
    );
    // Children it left behind in its group go too, and with them the pipes.
    signalGroup(this.pid, "SIGKILL");
    for (const stray of strays) signalProcess(stray.pid, "SIGKILL");
    // A stray may have forked again meanwhile: whatever still holds them goes.
    const late = this.#findStrays(watched).filter((holder) =>
      !strays.some((stray) => stray.pid === holder.pid)
    );
    for (const stray of late) signalProcess(stray.pid, "SIGKILL");
    this.#strays.push(...strays, ...late);
    await waitUntilGone(this.#strays.map((stray) => stray.pid), VANISH_MS);
    if (this.#strays.length > 0) {
      this.#transcript?.record(this.name, "note", { detail: describeStrays(this.#strays) });
    }
    await this.closeStdin();
    const exit = await this.exited;
    await this.#drain();
    running.delete(this);
    return exit;
  }

  /** Waits at most {@linkcode DRAIN_MS} for the output to end, then stops reading it. */
  async #drain(): Promise<void> {
    const pumps = Promise.all(this.#pumps);
    using deadline = new Deadline(DRAIN_MS);
    if (await untilAborted(pumps, deadline.signal) === undefined) {
      await Promise.allSettled(this.#readers.map((reader) => reader.cancel()));
      await pumps;
    }
  }

  /** Kills its group and its strays at once, without a grace period. */
  killNow(): void {
    if (this.#exit === undefined) {
      this.#transcript?.record(this.name, "note", {
        detail: "killed at once (SIGKILL): a second signal skipped the grace period",
      });
    }
    signalGroup(this.pid, "SIGKILL");
    for (const stray of this.#findStrays(this.#traces())) {
      signalProcess(stray.pid, "SIGKILL");
    }
  }

  /** Same as {@linkcode RunningProcess.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Kills every process Parley started and has not stopped yet, with its
 * group and strays, at once: for a second Ctrl-C or SIGTERM, when the
 * grace period is not to be waited for.
 *
 * @example
 * ```ts
 * import { killRunningProcesses } from "./process.ts";
 * killRunningProcesses();
 * ```
 */
export function killRunningProcesses(): void {
  for (const process of running) process.killNow();
}

/**
 * Stops every process still descending from this one: for a command line
 * at its end, when everything it started should be gone. With
 * {@linkcode becomeSubreaper} that includes daemons that shed every trace
 * of the program that started them. SIGTERM first, SIGKILL after the grace
 * period.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stopLeftovers } from "./process.ts";
 * assertEquals(await stopLeftovers(), []);
 * ```
 *
 * @param graceMs How long they may take to exit after SIGTERM.
 * @returns The processes it stopped.
 */
export async function stopLeftovers(graceMs: number = STOP_GRACE_MS): Promise<Holder[]> {
  // Only programs Parley started leave processes behind: a run that started
  // none skips the walk through /proc.
  if (!spawnedAny) return [];
  const left = descendantsOf(Deno.pid);
  for (const process of left) signalProcess(process.pid, "SIGTERM");
  await waitUntilGone(left.map((process) => process.pid), graceMs);
  for (const process of left) signalProcess(process.pid, "SIGKILL");
  await waitUntilGone(left.map((process) => process.pid), VANISH_MS);
  return left;
}

/**
 * Describes processes that outlived the one Parley started.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeStrays } from "./process.ts";
 * assertEquals(
 *   describeStrays([{ pid: 7, command: "sleep 60" }]),
 *   "Stopped 1 process that outlived it: 7 (sleep 60)",
 * );
 * ```
 *
 * @param strays The processes.
 * @returns One sentence.
 */
export function describeStrays(strays: readonly Holder[]): string {
  return `Stopped ${strays.length} ${
    strays.length === 1 ? "process that" : "processes that"
  } outlived it: ${strays.map((stray) => `${stray.pid} (${stray.command})`).join(", ")}`;
}

/** How long killed strays may take to vanish before stopping goes on without them. */
const VANISH_MS = 1_000;

/**
 * Waits, at most `limit` ms, until processes are gone. They are not our
 * children, and Deno offers no pidfd to be told of their end, so this looks
 * at /proc every 10 ms: the only polling in stopping, bounded, and over as
 * soon as they are gone.
 */
async function waitUntilGone(pids: readonly number[], limit: number): Promise<void> {
  const deadline = performance.now() + limit;
  let left = pids.filter(isAlive);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    left = left.filter(isAlive);
  }
}

function signalProcess(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // It is gone already.
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
  const how = exit.signal === null ? `exited with code ${exit.code}` : `killed by ${exit.signal}`;
  return exit.limit === undefined ? how : `${how}: it exceeded ${exit.limit}`;
}

/**
 * Where a command is, or why it cannot be run, as the kernel would say it:
 * `command not found`, `permission denied`.
 */
function findCommand(
  command: string,
  cwd: string,
  path: string,
): { path: string; problem?: undefined } | { path?: undefined; problem: string } {
  const candidates = command.includes("/")
    ? [command.startsWith("/") ? command : `${cwd}/${command}`]
    : path.split(":").filter((dir) => dir !== "").map((dir) => `${dir}/${command}`);
  let found = false;
  for (const candidate of candidates) {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(candidate);
    } catch {
      continue;
    }
    if (!info.isFile) continue;
    found = true;
    if (((info.mode ?? 0o755) & 0o111) !== 0) return { path: candidate };
  }
  return { problem: found ? "permission denied" : "command not found" };
}

/**
 * Throws what would keep a confined program from starting. Behind `prlimit`
 * or `bwrap` the program is exec'd by them, whose failure would look like
 * the program's own: this tells it as Deno would have, before they run.
 */
function checkConfinedStart(command: string, options: ProcessOptions, path: string): void {
  const cwd = options.cwd ?? Deno.cwd();
  if (!existsSync(cwd)) throw new SpawnError(`Cannot run "${command}": no such directory "${cwd}"`);
  const tools = [
    ...(limitArgs(options.limits).length === 0 ? [] : [["prlimit", "with limits", "util-linux"]]),
    ...(options.sandbox === undefined ? [] : [["bwrap", "in a sandbox", "bubblewrap"]]),
  ];
  const installed = new Map<string, string>();
  for (const [tool, how, pkg] of tools) {
    const at = findCommand(tool!, cwd, path).path;
    if (at === undefined) {
      throw new SpawnError(
        `Cannot run "${command}" ${how}: "${tool}" is not installed (it comes in the ${pkg} package)`,
      );
    }
    installed.set(tool!, at);
  }
  const found = findCommand(command, cwd, path);
  if (found.problem !== undefined) {
    throw new SpawnError(`Cannot run "${command}": ${found.problem}`);
  }
  const sandbox = options.sandbox;
  if (sandbox === undefined) return;
  const failure = sandboxFailure(installed.get("bwrap")!);
  if (failure !== undefined) {
    throw new SpawnError(
      `Cannot run "${command}" in a sandbox: bwrap does not work on this machine: ${failure}`,
    );
  }
  const hidden = !existsSync(sandbox.writable)
    ? `the folder it may write, "${sandbox.writable}", does not exist`
    : hiddenInSandbox(sandbox, cwd)
    ? `its working directory "${cwd}" is hidden in the sandbox`
    : hiddenInSandbox(sandbox, found.path)
    ? `"${found.path}" is hidden in the sandbox`
    : undefined;
  if (hidden !== undefined) throw new SpawnError(`Cannot run "${command}" in a sandbox: ${hidden}`);
}

/**
 * Which limit ended a process, from its signal (CPU time, file size) or what
 * it wrote to stderr as it failed (memory, processes, open files).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exceededLimit } from "./process.ts";
 * assertEquals(
 *   exceededLimit({ code: 1, signal: null, stoppedByUs: false }, { memory: 64 << 20 }, "MemoryError\n"),
 *   "its memory limit of 64 MiB",
 * );
 * ```
 *
 * @param exit How it ended.
 * @param limits The limits it ran under.
 * @param stderr The end of its stderr.
 * @returns `its memory limit of 64 MiB`, or `undefined`.
 */
export function exceededLimit(
  exit: ProcessExit,
  limits: ProcessLimits,
  stderr: string,
): string | undefined {
  if (exit.stoppedByUs) return undefined;
  if (limits.cpu !== undefined && (exit.signal === "SIGXCPU" || exit.signal === "SIGKILL")) {
    return `its CPU time limit of ${formatDuration(limits.cpu)}`;
  }
  if (limits.fileSize !== undefined && exit.signal === "SIGXFSZ") {
    return `its file size limit of ${formatSize(limits.fileSize)}`;
  }
  if (exit.code === 0 && exit.signal === null) return undefined;
  const tail = stderr.slice(-4096);
  if (
    limits.memory !== undefined &&
    /MemoryError|Cannot allocate memory|bad_alloc|out of memory/i.test(tail)
  ) {
    return `its memory limit of ${formatSize(limits.memory)}`;
  }
  if (limits.openFiles !== undefined && /Too many open files/i.test(tail)) {
    return `its limit of ${limits.openFiles} open files`;
  }
  if (limits.processes !== undefined && /Resource temporarily unavailable|fork/i.test(tail)) {
    return `its limit of ${limits.processes} processes`;
  }
  return undefined;
}
