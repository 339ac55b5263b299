/**
 * The program under test: started before the scenarios (once per suite or
 * once per scenario), on a free port, and watched: an unexpected exit fails
 * the step running at that moment.
 *
 * @module
 */

import { aborted } from "./channels/channel.ts";
import { Deadline } from "./deadline.ts";
import { formatDuration } from "./duration.ts";
import { interpolate } from "./interpolate.ts";
import { compileRegex } from "./match/regex.ts";
import { guardRegex } from "./match/regex_guard.ts";
import { describeExit, type ProcessExit, RunningProcess, SpawnError } from "./process.ts";
import { listeningAddresses } from "./reap.ts";
import { stopOutcome } from "./stop_reason.ts";
import { isPortBound, ReadinessUnsupportedError, waitForPort } from "./ready.ts";
import type { ProcessReport } from "./result.ts";
import { invocation } from "./steps/spawn.ts";
import type { Readiness, SuiteProgram, Transport } from "./suite.ts";

/** How long a program that exited 0 leaving no trace may take to have its daemon listen. */
const DAEMON_GRACE_MS = 2_000;

/** Resolves with `exit` once the daemon grace has passed; the timer goes when `done` aborts. */
async function afterGrace(exit: ProcessExit, done: AbortSignal): Promise<ProcessExit> {
  using grace = new Deadline(DAEMON_GRACE_MS, [done]);
  await aborted(grace.signal);
  return exit;
}

/** Where a program's readiness is checked: its port and transport. */
export interface ReadinessTarget {
  /** The port it is to listen on or bind, for `ready: port`. */
  readonly port?: number | undefined;
  /** Its transport. */
  readonly transport: Transport;
}

/**
 * What a program is waited for, for messages: `to listen on TCP port 8080`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeReadiness } from "./program.ts";
 * assertEquals(
 *   describeReadiness({ kind: "port" }, { port: 8080, transport: "tcp" }),
 *   "to listen on TCP port 8080",
 * );
 * ```
 *
 * @param ready How readiness is told.
 * @param target Its port and transport.
 * @returns The phrase.
 */
export function describeReadiness(ready: Readiness, target: ReadinessTarget): string {
  return ready.kind === "port"
    ? `to ${
      target.transport === "tcp" ? "listen on" : "bind"
    } ${target.transport.toUpperCase()} port ${target.port}`
    : `to print a line matching /${ready.pattern}/`;
}

/** Options for {@linkcode waitUntilReady}. */
export interface WaitUntilReadyOptions extends ReadinessTarget {
  /** Ends the wait (the deadline). */
  readonly signal: AbortSignal;
}

/**
 * Waits until a process is ready: it listens on (or binds) its port, or
 * prints a line that matches. A program that daemonizes (exits 0, leaving a
 * descendant to listen) is waited for while a descendant lives.
 *
 * @example
 * ```ts ignore
 * import { RunningProcess } from "./process.ts";
 * import { waitUntilReady } from "./program.ts";
 * await using server = RunningProcess.start(["python3", "-m", "http.server", "8000"], { name: "web" });
 * await waitUntilReady(server, { kind: "port" }, { port: 8000, transport: "tcp", signal: AbortSignal.timeout(5000) });
 * ```
 *
 * @param process The process.
 * @param ready How readiness is told.
 * @param options Its port and transport, and the deadline.
 * @returns Whether it became ready before it gave up or the deadline passed.
 * @throws {ReadinessUnsupportedError} When ports cannot be read on this system.
 */
export async function waitUntilReady(
  process: RunningProcess,
  ready: Readiness,
  options: WaitUntilReadyOptions,
): Promise<boolean> {
  if (ready.kind === "stdout") {
    const regex = guardRegex(compileRegex(ready.pattern));
    return await process.waitForOutput(
      (stdout) => stdout.split("\n").some((line) => regex.exec(line) !== null),
      options.signal,
    );
  }
  const waited = new AbortController();
  // A program that daemonizes exits 0 and leaves a descendant to listen:
  // no reason to stop waiting while a descendant is seen to live. One may
  // also have shed every trace (stdio to /dev/null, its environment
  // overwritten by its process title, as redis-server does): it gets a short
  // grace to bind the port.
  const gaveUp = process.exited.then((exit) =>
    exit.code !== 0 || exit.signal !== null
      ? exit
      : process.hasLiveDescendants()
      ? new Promise<never>(() => {})
      : afterGrace(exit, waited.signal)
  );
  try {
    return await waitForPort(options.port ?? 0, {
      transport: options.transport,
      signal: options.signal,
      stopped: gaveUp,
    });
  } finally {
    waited.abort();
  }
}

/** A program under test that could not be started or did not become ready. */
export class ProgramStartError extends Error {
  /** What it printed, when it ran at all. */
  readonly report: ProcessReport | undefined;
  /**
   * Whether the stage could not be set (its command not found, its folder
   * missing, a fixed port taken before it started): the grader's problem,
   * not the program's.
   */
  readonly setup: boolean;

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param report What it printed.
   * @param options The underlying error, and whether it is a set-up error.
   */
  constructor(
    message: string,
    report?: ProcessReport,
    options?: ErrorOptions & { setup?: boolean },
  ) {
    super(message, options);
    this.name = "ProgramStartError";
    this.report = report;
    this.setup = options?.setup ?? false;
  }
}

/** A free port on 127.0.0.1, for the program to listen on. */
function freePort(transport: Transport): number {
  if (transport === "udp") {
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (socket.addr as Deno.NetAddr).port;
    socket.close();
    return port;
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/**
 * Describes a process for a failure report.
 *
 * @param name What reports call it.
 * @param process The process.
 * @returns Its command, status and output tails.
 */
export function processReport(name: string, process: RunningProcess): ProcessReport {
  const stdout = process.stdoutText();
  const stderr = process.stderrText();
  const sizes = process.outputSizes;
  // The full size is told only where the tail left something out.
  const clipped = (text: string, size: number): boolean => encoder.encode(text).length < size;
  return {
    name,
    command: process.command,
    status: process.exit === undefined ? "running" : describeExit(process.exit),
    stdout,
    stderr,
    ...(clipped(stdout, sizes.stdout) ? { stdoutSize: sizes.stdout } : {}),
    ...(clipped(stderr, sizes.stderr) ? { stderrSize: sizes.stderr } : {}),
  };
}

const encoder = new TextEncoder();

/** A started, ready program under test. */
export class ProgramUnderTest implements AsyncDisposable {
  /** The process. */
  readonly process: RunningProcess;
  /** The port it serves. */
  readonly port: number;

  private constructor(process: RunningProcess, port: number) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts the program and waits until it is ready.
   *
   * @param spec What to run and how to tell it is ready.
   * @param options The suite's folder and variables, the environment and the run's signal.
   * @returns The ready program.
   * @throws {ProgramStartError} When it cannot start or is not ready in time.
   */
  static async start(
    spec: SuiteProgram,
    options: {
      dir: string;
      /** The suite's variables, before interpolation. */
      variables: Readonly<Record<string, string>>;
      env: (name: string) => string | undefined;
      signal: AbortSignal | undefined;
      maxBuffer: number;
    },
  ): Promise<ProgramUnderTest> {
    let port: number;
    try {
      if (spec.port !== undefined) {
        port = spec.port;
        if (await isPortBound(port, spec.transport)) {
          throw new ProgramStartError(
            `Port ${port} is already in use before the program under test started; stop whatever holds it or leave "port" out to get a free one`,
            undefined,
            { setup: true },
          );
        }
      } else {
        port = freePort(spec.transport);
      }
    } catch (error) {
      if (error instanceof ProgramStartError) throw error;
      throw new ProgramStartError((error as Error).message, undefined, {
        cause: error,
        setup: true,
      });
    }
    let process: RunningProcess;
    try {
      const variables: Record<string, string> = { host: "127.0.0.1", port: String(port) };
      for (const [name, template] of Object.entries(options.variables)) {
        variables[name] = interpolate(template, variables, { env: options.env });
      }
      const { args, cwd, env, sandbox } = invocation(spec, {
        dir: options.dir,
        fill: (text) => interpolate(text, variables, { env: options.env }),
        submission: variables.submission,
      });
      process = RunningProcess.start(args, {
        name: "program",
        cwd,
        env,
        maxBuffer: options.maxBuffer,
        // Scenarios may read its output as the process channel "program".
        keepLatest: true,
        limits: spec.limits,
        sandbox,
        serves: { port, transport: spec.transport },
      });
    } catch (error) {
      const message = error instanceof SpawnError
        ? error.message
        : `Cannot start the program under test: ${(error as Error).message}`;
      // A command that cannot be run at all is the grader's problem (or a
      // missing interpreter); a student's missing file starts the interpreter.
      throw new ProgramStartError(message, undefined, { cause: error, setup: true });
    }
    using deadline = new Deadline(spec.timeout, [options.signal]);
    const waitingFor = describeReadiness(spec.ready, { port, transport: spec.transport });
    let ready: boolean;
    try {
      ready = await waitUntilReady(process, spec.ready, {
        port,
        transport: spec.transport,
        signal: deadline.signal,
      });
    } catch (error) {
      await process.stop();
      const message = error instanceof ReadinessUnsupportedError
        ? error.message
        : (error as Error).message;
      throw new ProgramStartError(message, processReport("program under test", process), {
        cause: error,
        // Ports cannot be watched on this machine: the grader's set-up.
        setup: error instanceof ReadinessUnsupportedError,
      });
    }
    if (!ready) {
      const exit = process.exit;
      // Where it listens instead, if anywhere: a port of its own, another host.
      const elsewhere = spec.ready.kind === "port" && exit === undefined
        ? listeningAddresses(process.pid, spec.transport)
        : [];
      await process.stop();
      const report = processReport("program under test", process);
      throw new ProgramStartError(
        exit !== undefined && !(exit.code === 0 && exit.signal === null && deadline.signal.aborted)
          ? `The program under test ${
            describeExit(exit)
          } before it was ready (waiting for it ${waitingFor})`
          : exit !== undefined && !options.signal?.aborted
          ? `The program under test exited with code 0, and what it left running did not ${
            waitingFor.replace(/^to /, "")
          } within ${formatDuration(spec.timeout)}`
          : options.signal?.aborted
          ? `${
            stopOutcome(options.signal.reason).message
          } while the program under test was starting`
          : `The program under test was not ready within ${
            formatDuration(spec.timeout)
          }: it did not ${waitingFor.replace(/^to /, "")}${
            elsewhere.length === 0
              ? ""
              : `; it listens on ${elsewhere.join(", ")}, not on port ${port}`
          }`,
        report,
      );
    }
    return new ProgramUnderTest(process, port);
  }

  /**
   * A signal that aborts when the program exits in a way that is a failure:
   * a code other than 0, or a signal Parley did not send.
   *
   * @returns The signal, and a function that stops watching.
   */
  watch(): { signal: AbortSignal; stop: () => void } {
    const controller = new AbortController();
    let watching = true;
    const fail = (exit: ProcessExit): void => {
      if (watching && !exit.stoppedByUs && (exit.code !== 0 || exit.signal !== null)) {
        controller.abort(new ProgramExitedError(exit));
      }
    };
    if (this.process.exit !== undefined) fail(this.process.exit);
    else this.process.exited.then(fail);
    return { signal: controller.signal, stop: () => (watching = false) };
  }

  /** Stops the program (and its children). */
  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** Same as {@linkcode ProgramUnderTest.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** The program under test exited while a step ran. */
export class ProgramExitedError extends Error {
  /** How it exited. */
  readonly exit: ProcessExit;
  /** When its exit was seen, as `performance.now()`. */
  readonly at: number;

  /**
   * Creates the error.
   *
   * @param exit How it exited.
   * @param at When its exit was seen (`performance.now()`).
   */
  constructor(exit: ProcessExit, at: number = performance.now()) {
    super(`The program under test ${describeExit(exit)}`);
    this.name = "ProgramExitedError";
    this.exit = exit;
    this.at = at;
  }
}
