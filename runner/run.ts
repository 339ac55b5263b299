/**
 * Running suites: scenarios in order, steps in order, every resource a
 * scenario opened closed in one `finally`, pass or fail.
 *
 * @module
 */

import { SERVER_TRANSPORTS, type ServerName, startServer } from "../servers/mod.ts";
import { aborted, type Channel, untilAborted } from "./channels/channel.ts";
import { formatDuration } from "./duration.ts";
import { interpolate } from "./interpolate.ts";
import type { Reporter } from "./report/reporter.ts";
import { leaderboardEntry } from "./leaderboard.ts";
import { InvalidSuiteError } from "./errors.ts";
import type { StubServer } from "./stub.ts";
import { StubJournalChannel } from "./channels/journal.ts";
import {
  type LeaderboardEntry,
  type ProcessReport,
  type ScenarioResult,
  type StepFailure,
  type StepResult,
  type SuiteResult,
} from "./result.ts";
import { describeExit, describeStrays, type RunningProcess } from "./process.ts";
import {
  processReport,
  ProgramExitedError,
  ProgramStartError,
  ProgramUnderTest,
} from "./program.ts";
import {
  type Address,
  parseAddress,
  runStep,
  type StepContext,
  StepFailedError,
  type StepScope,
} from "./steps/mod.ts";
import {
  type ProcessLimits,
  PROGRAM_CHANNEL,
  type Scenario,
  type Step,
  type Suite,
  type TlsSpec,
  type Transport,
} from "./suite.ts";
import { ProcessChannel } from "./channels/process.ts";
import { Transcript } from "./transcript.ts";
import { listeningAddresses } from "./reap.ts";
import { Deadline } from "./deadline.ts";
import { clipFailure } from "./clip.ts";
import { RunInterruptedError, stopOutcome, withinTimeLimit } from "./stop_reason.ts";
import { SecretMask, secretsOfEnvironment } from "./mask.ts";

/** Options for {@linkcode runSuite} and {@linkcode runFiles}. */
export interface RunOptions {
  /**
   * Cancels the run; open connections are closed and servers stopped.
   *
   * @default {undefined}
   */
  signal?: AbortSignal | undefined;
  /**
   * Multiplies every step timeout, for slow machines.
   *
   * @default {1}
   */
  timeoutScale?: number;
  /**
   * Receive the run's events.
   *
   * @default {[]}
   */
  reporters?: readonly Reporter[];
  /**
   * Looks up `${env.NAME}`.
   *
   * @default {(name) => Deno.env.get(name)}
   */
  env?: (name: string) => string | undefined;
  /**
   * Variables that override the suites' `vars` (`--var name=value`).
   *
   * @default {{}}
   */
  variables?: Readonly<Record<string, string>>;
  /**
   * An address that replaces every suite's `target` (`--target`).
   *
   * @default {undefined}
   */
  target?: string;
  /**
   * Runs only the scenarios this accepts (`--filter`).
   *
   * @default {() => true}
   */
  filter?: (suite: Suite, scenario: Scenario) => boolean;
  /**
   * Re-runs a failed scenario up to this many times; a later pass is
   * reported as a pass on retry.
   *
   * @default {0}
   */
  retries?: number;
  /**
   * When it aborts, scenarios not started yet are reported as not run
   * (`--bail` aborts it at the first failure).
   *
   * @default {undefined}
   */
  stopSignal?: AbortSignal;
  /**
   * Values that never appear in any result or report (replaced with `***`),
   * besides those of the variables a suite lists under `secrets`.
   *
   * @default {values of environment variables whose names contain PASSWORD, SECRET, TOKEN or KEY}
   */
  secrets?: readonly string[];
  /**
   * Resource limits for programs whose `spawn` sets none (`parley grade`
   * bounds every student's program this way).
   *
   * @default {undefined}
   */
  defaultLimits?: ProcessLimits;
}

function environmentSecrets(): string[] {
  try {
    return secretsOfEnvironment(Deno.env.toObject());
  } catch {
    // No permission to read the whole environment: nothing to mask from it.
    return [];
  }
}

function readEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/** Suite-level state every scenario starts from. */
interface SuiteSetup {
  readonly variables: Record<string, string>;
  readonly address: Address | undefined;
  /** The suite's stub, whose journal scenarios read as the channel "stub". */
  readonly stub?: StubServer;
}

function setUp(
  suite: Suite,
  server: { hostname: string; port: number; transport: Transport } | undefined,
  options: RunOptions,
): SuiteSetup {
  const env = options.env ?? readEnv;
  const variables: Record<string, string> = {};
  let address: Address | undefined;
  const target = suite.target === undefined ? undefined : options.target ?? suite.target;
  if (server !== undefined) {
    variables.host = server.hostname;
    variables.port = String(server.port);
    address = { transport: server.transport, hostname: server.hostname, port: server.port };
  } else if (target !== undefined) {
    address = parseAddress(interpolate(target, {}, { env }));
    variables.host = address.hostname;
    variables.port = String(address.port);
  }
  for (const [name, template] of Object.entries(suite.variables)) {
    variables[name] = options.variables?.[name] ?? interpolate(template, variables, { env });
  }
  return { variables: { ...variables, ...options.variables }, address };
}

/** What every step of one scenario run shares. */
interface ScenarioRun {
  readonly suite: Suite;
  readonly scenario: Scenario;
  readonly setup: SuiteSetup;
  readonly options: RunOptions;
  readonly runSignal: AbortSignal;
  readonly program: ProgramUnderTest | undefined;
  /** Aborts when the program under test exits unexpectedly. */
  readonly programFailed: AbortSignal | undefined;
  readonly processes: RunningProcess[];
  /** The suite's notes, to which this scenario adds. */
  readonly notes: string[];
  /** Hides secret values. */
  readonly mask: SecretMask;
}

/** Turns whatever a step threw into a failure, naming the program under test when it is to blame. */
function failureOf(
  error: unknown,
  run: ScenarioRun,
  step: { readonly started: number; readonly onProgram: boolean },
): StepFailure {
  const failure: StepFailure = error instanceof StepFailedError ? error.failure : {
    reason: "internal",
    message: `Internal error: ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }`,
  };
  if (run.runSignal.aborted && (failure.reason === "aborted" || failure.reason === "timeout")) {
    // The run was stopped (a signal, its time limit): that is what this step ran into.
    const stopped = stopOutcome(run.runSignal.reason);
    return { ...failure, reason: stopped.reason, message: stopped.message };
  }
  const exit = run.program?.process.exit;
  // A step on the program says itself how the program ended.
  if (failure.reason === "exited" || step.onProgram) return failure;
  if (run.programFailed?.aborted && exit !== undefined) {
    // The step's wait was cut short by the exit: what it waited for, not a timeout it never reached.
    const seen = run.programFailed.reason instanceof ProgramExitedError
      ? run.programFailed.reason.at
      : performance.now();
    const waited = failure.reason === "aborted" || failure.reason === "timeout";
    const context = waited
      ? failure.expected === undefined ? "" : ` (it was waiting for ${failure.expected})`
      : ` (${failure.message})`;
    return {
      ...failure,
      reason: "exited",
      message: `The program under test ${describeExit(exit)} ${
        formatDuration(Math.max(0, seen - step.started))
      } into this step${context}`,
    };
  }
  if (exit !== undefined && !exit.stoppedByUs) {
    return {
      ...failure,
      message: `${failure.message}; the program under test had ${describeExit(exit)}`,
    };
  }
  if (failure.reason === "refused" && run.program !== undefined && exit === undefined) {
    // It runs but refused: it listens elsewhere (another host, a port of its own).
    const elsewhere = listeningAddresses(run.program.process.pid, "tcp");
    if (elsewhere.length > 0) {
      return {
        ...failure,
        message: `${failure.message}; the program under test listens on ${elsewhere.join(", ")}`,
      };
    }
  }
  const program = run.program;
  if (
    failure.reason === "timeout" && program !== undefined && exit === undefined &&
    run.suite.program?.transport === "udp"
  ) {
    // A UDP server bound to another address or port never sees the datagrams.
    const bound = listeningAddresses(program.process.pid, "udp");
    const here = bound.some((address) =>
      /^(127\.0\.0\.1|0\.0\.0\.0|\[::\]):/.test(address) && address.endsWith(`:${program.port}`)
    );
    if (bound.length > 0 && !here) {
      return {
        ...failure,
        message: `${failure.message}; the program under test is bound to ${
          bound.join(", ")
        }, not to 127.0.0.1:${program.port}`,
      };
    }
  }
  return failure;
}

/** One step's context; a class, so that thousands of them stay cheap to make. */
class StepRun implements StepContext {
  readonly channels: Map<string, Channel>;
  readonly variables: Record<string, string>;
  readonly transcript: Transcript;
  readonly address: Address | undefined;
  readonly maxBuffer: number;
  readonly dir: string;
  readonly processes: RunningProcess[];
  readonly defaultLimits: ProcessLimits | undefined;
  readonly tls: TlsSpec | undefined;
  readonly runSignal: AbortSignal;
  readonly timeout: number;
  readonly env: (name: string) => string | undefined;
  deadline: Deadline | undefined;
  readonly #run: ScenarioRun;

  /** Whether the step talks to the program under test, whose exit it may be waiting for. */
  readonly #onProgram: boolean;

  constructor(
    scope: StepScope,
    run: ScenarioRun,
    timeout: number,
    env: (name: string) => string | undefined,
    onProgram: boolean,
  ) {
    this.channels = scope.channels;
    this.variables = scope.variables;
    this.transcript = scope.transcript;
    this.address = run.setup.address;
    this.maxBuffer = run.suite.maxBuffer;
    this.dir = run.suite.dir;
    this.processes = run.processes;
    this.defaultLimits = run.options.defaultLimits;
    this.tls = run.suite.tls;
    this.runSignal = run.runSignal;
    this.timeout = timeout;
    this.env = env;
    this.#run = run;
    this.#onProgram = onProgram;
  }

  /** Made on first use: steps that never wait (close, set) need no timer. */
  get signal(): AbortSignal {
    this.deadline ??= new Deadline(this.timeout, [
      this.#run.options.signal,
      this.#onProgram ? undefined : this.#run.programFailed,
    ]);
    return this.deadline.signal;
  }

  runSteps(steps: readonly Step[], scope: StepScope): Promise<StepResult[]> {
    return runSteps(steps, scope, this.#run);
  }
}

/** Runs steps in order in one scope, stopping at the first failure. */
async function runSteps(
  steps: readonly Step[],
  scope: StepScope,
  run: ScenarioRun,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const { suite, scenario, options, runSignal } = run;
  const scale = options.timeoutScale ?? 1;
  const env = options.env ?? readEnv;
  for (const step of steps) {
    const timeout = (step.timeout ?? scenario.timeout ?? suite.timeout) * scale;
    const started = performance.now();
    // A step on the program itself may read what it left or check how it exited.
    const onProgram = "on" in step && step.on === PROGRAM_CHANNEL && run.program !== undefined;
    let context: StepRun | undefined;
    try {
      if (runSignal.aborted) {
        throw new StepFailedError({ reason: "aborted", message: "Run cancelled" });
      }
      const gone = run.programFailed?.aborted && !onProgram ? run.program?.process.exit : undefined;
      if (gone !== undefined) {
        throw new StepFailedError({
          reason: "exited",
          message: `The program under test is not running: it ${
            describeExit(gone)
          } before this step`,
        });
      }
      context = new StepRun(scope, run, timeout, env, onProgram);
      const outcome = await runStep(step, context);
      results.push({ step, status: "passed", duration: performance.now() - started, ...outcome });
    } catch (error) {
      const program = run.program?.process;
      if (
        program !== undefined && program.exit === undefined && error instanceof StepFailedError &&
        ["closed", "reset", "refused"].includes(error.failure.reason)
      ) {
        // A connection that ends often means the program is exiting: give its
        // exit a moment to arrive, so the report can say so.
        using grace = new Deadline(500, [options.signal]);
        await untilAborted(program.exited, grace.signal);
      }
      // Masked before clipping, so that no part of a secret survives at a clip's edge.
      const failure = clipFailure(run.mask.failure(failureOf(error, run, { started, onProgram })));
      results.push({ step, status: "failed", duration: performance.now() - started, failure });
      break;
    } finally {
      context?.deadline?.clear();
    }
  }
  return results;
}

async function runScenario(
  suite: Suite,
  scenario: Scenario,
  setup: SuiteSetup,
  program: ProgramUnderTest | undefined,
  options: RunOptions,
  notes: string[],
  mask: SecretMask,
): Promise<ScenarioResult> {
  const started = performance.now();
  const transcript = new Transcript({ mask });
  const channels = new Map<string, Channel>();
  // Steps talk to the program under test as to a process they spawned; it outlives the scenario.
  if (program !== undefined) {
    channels.set(PROGRAM_CHANNEL, ProcessChannel.attach(PROGRAM_CHANNEL, program.process));
  }
  // What the suite's stub receives from now on, for expect: { on: stub, received }.
  if (setup.stub !== undefined) channels.set("stub", new StubJournalChannel(setup.stub));
  const watch = program?.watch();
  const run: ScenarioRun = {
    suite,
    scenario,
    setup,
    options,
    runSignal: options.signal ?? new AbortController().signal,
    program,
    programFailed: watch?.signal,
    processes: [],
    notes,
    mask,
  };
  let steps: StepResult[] = [];
  try {
    steps = await runSteps(scenario.steps, {
      channels,
      variables: { ...setup.variables },
      transcript,
    }, run);
  } finally {
    watch?.stop();
    await Promise.allSettled([...channels.values()].map((channel) => channel.close()));
  }
  for (const process of run.processes) {
    if (process.strays.length > 0) {
      run.notes.push(`"${process.name}" in "${scenario.name}": ${describeStrays(process.strays)}`);
    }
  }
  const failed = steps.at(-1)?.status === "failed";
  return {
    name: scenario.name,
    line: scenario.line,
    status: !failed ? "passed" : steps.at(-1)?.failure?.reason === "setup" ? "error" : "failed",
    duration: performance.now() - started,
    steps,
    stepCount: scenario.steps.length,
    transcript: transcript.events,
    droppedEvents: transcript.dropped,
    points: scenario.points,
    hidden: scenario.hidden,
    ...(scenario.hiddenUntil === undefined ? {} : { hiddenUntil: scenario.hiddenUntil }),
    ...leaderboardOf(scenario, failed ? [] : steps),
    processes: failed
      ? [
        ...(program === undefined ? [] : [processReport("program under test", program.process)]),
        ...run.processes.map((process) => processReport(process.name, process)),
      ]
      : [],
  };
}

/** A passed scenario's leaderboard entry, from its `repeat` step, as a part of its result. */
function leaderboardOf(
  scenario: Scenario,
  steps: readonly StepResult[],
): { leaderboard?: LeaderboardEntry } {
  if (scenario.leaderboard === undefined) return {};
  const measures = steps.find((result) => result.step.action === "repeat")?.measures;
  const leaderboard = leaderboardEntry(scenario.leaderboard, measures);
  return leaderboard === undefined ? {} : { leaderboard };
}

function notRun(
  scenario: Scenario,
  status: "skipped" | "failed" | "error",
  note: string,
  processes: readonly ProcessReport[] = [],
): ScenarioResult {
  return {
    name: scenario.name,
    line: scenario.line,
    status,
    note,
    duration: 0,
    steps: [],
    stepCount: scenario.steps.length,
    transcript: [],
    droppedEvents: 0,
    points: scenario.points,
    hidden: scenario.hidden,
    ...(scenario.hiddenUntil === undefined ? {} : { hiddenUntil: scenario.hiddenUntil }),
    processes,
  };
}

async function startProgram(
  suite: Suite,
  options: RunOptions,
): Promise<ProgramUnderTest> {
  const program = suite.program!;
  // --timeout-scale covers the wait for readiness too: slow machines start programs slowly.
  return await ProgramUnderTest.start({
    ...program,
    limits: program.limits ?? options.defaultLimits,
    timeout: program.timeout * (options.timeoutScale ?? 1),
  }, {
    dir: suite.dir,
    variables: { ...suite.variables, ...options.variables },
    env: options.env ?? readEnv,
    signal: options.signal,
    maxBuffer: suite.maxBuffer,
  });
}

/**
 * Runs a validated suite: starts its server or program under test, runs
 * every scenario in order and stops what it started.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseSuite } from "./load.ts";
 * import { runSuite } from "./run.ts";
 * const suite = parseSuite(`
 * name: echo
 * server: echo
 * steps:
 *   - connect
 *   - send: "hi\\n"
 *   - expect: "hi\\n"
 * `);
 * const result = await runSuite(suite);
 * assertEquals(result.scenarios[0]?.status, "passed");
 * ```
 *
 * @param suite The suite.
 * @param options Cancellation, timeout scale, reporters and environment.
 * @returns The suite's result.
 */
export function runSuite(suite: Suite, options: RunOptions = {}): Promise<SuiteResult> {
  // The suite's own wall-clock limit joins the run's signal.
  return withinTimeLimit(
    (signal) => runSuiteWithin(suite, { ...options, signal }),
    { limit: suite.maxTime, source: "max_time", signal: options.signal },
  );
}

async function runSuiteWithin(suite: Suite, options: RunOptions): Promise<SuiteResult> {
  const started = performance.now();
  const reporters = options.reporters ?? [];
  const selected = suite.scenarios.filter((scenario) => options.filter?.(suite, scenario) ?? true);
  for (const reporter of reporters) reporter.suiteStarted?.(suite);
  const scenarios: ScenarioResult[] = [];
  const mask = new SecretMask(options.secrets ?? environmentSecrets());
  /** Adds the suite's secret variables, with the values this run resolved. */
  function maskSecrets(variables: Readonly<Record<string, string>>): void {
    mask.add(suite.secrets.flatMap((name) => variables[name] ?? []));
  }
  // Known before anything starts, so that a program that fails to start is masked too;
  // a secret whose value needs ${port} is added once the port is known.
  for (const name of suite.secrets) {
    const given = options.variables?.[name];
    const template = suite.variables[name];
    try {
      const value = given ??
        (template === undefined
          ? undefined
          : interpolate(template, { ...options.variables }, { env: options.env ?? readEnv }));
      if (value !== undefined) mask.add([value]);
    } catch {
      // It refers to a variable known only later.
    }
  }
  function finish(unmasked: ScenarioResult): void {
    const result = mask.result(unmasked);
    scenarios.push(result);
    for (const reporter of reporters) reporter.scenarioFinished?.(suite, result);
  }
  const notes: string[] = [];
  function noteStrays(stopped: ProgramUnderTest, scenario: string | undefined): void {
    if (stopped.process.strays.length === 0) return;
    notes.push(
      `The program under test${scenario === undefined ? "" : ` of "${scenario}"`}: ${
        describeStrays(stopped.process.strays)
      }`,
    );
  }
  let server: { close(): Promise<void> } | undefined;
  let program: ProgramUnderTest | undefined;
  let setup: SuiteSetup | undefined;
  let error: string | undefined;
  let errorReport: ProcessReport[] = [];
  /** Whether the suite could not start for a set-up error (not a failure of what is tested). */
  let setupError = false;
  const perScenario = suite.program?.per === "scenario";
  const runnable = selected.some((scenario) => scenario.skip === undefined);
  try {
    if (runnable && suite.wait !== undefined) await waitFor(suite, options);
    if (!runnable) {
      setup = { variables: {}, address: undefined };
    } else if (suite.server !== undefined && suite.server in SERVER_TRANSPORTS) {
      const reference = startServer(suite.server as ServerName);
      server = reference;
      setup = setUp(suite, { ...reference, transport: "tcp" }, options);
    } else if (suite.stub !== undefined) {
      const { loadStub, startStub } = await import("./stub.ts");
      let spec;
      try {
        spec = await loadStub(suite.stub);
      } catch (cause) {
        if (!(cause instanceof InvalidSuiteError)) throw cause;
        throw new ProgramStartError(cause.message, undefined, { cause, setup: true });
      }
      const stub = startStub(spec, { port: 0, env: options.env ?? readEnv });
      server = stub;
      if (stub.transport === "unix") {
        throw new ProgramStartError(
          `Cannot use the stub "${suite.stub}" as the suite's server: it listens on a Unix socket; connect to it with "unix://"`,
          undefined,
          { setup: true },
        );
      }
      const base = setUp(suite, { ...stub, transport: stub.transport }, options);
      // A TLS stub is reached over TLS; the suite's tls options verify it.
      setup = {
        ...base,
        stub,
        ...(stub.tls && base.address !== undefined
          ? { address: { ...base.address, tls: true } }
          : {}),
      };
    } else if (suite.program !== undefined && !perScenario) {
      program = await startProgram(suite, options);
      setup = setUp(suite, {
        hostname: "127.0.0.1",
        port: program.port,
        transport: suite.program.transport,
      }, options);
    } else if (!perScenario) {
      setup = setUp(suite, undefined, options);
    }
  } catch (cause) {
    error = cause instanceof ProgramStartError || cause instanceof WaitTimeoutError
      ? cause.message
      : `Cannot start suite: ${(cause as Error).message}`;
    if (cause instanceof ProgramStartError && cause.report !== undefined) {
      errorReport = [cause.report];
    }
    setupError = cause instanceof ProgramStartError && cause.setup;
  }

  if (setup !== undefined) maskSecrets(setup.variables);
  if (error !== undefined) error = mask.text(error);

  /** One attempt at a scenario, with its own program when the suite asks for one per scenario. */
  async function attempt(scenario: Scenario): Promise<ScenarioResult> {
    if (!perScenario) {
      return await runScenario(suite, scenario, setup!, program, options, notes, mask);
    }
    let own: ProgramUnderTest;
    try {
      own = await startProgram(suite, options);
    } catch (cause) {
      if (!(cause instanceof ProgramStartError)) throw cause;
      return notRun(
        scenario,
        cause.setup ? "error" : "failed",
        cause.message,
        cause.report === undefined ? [] : [cause.report],
      );
    }
    try {
      const ownSetup = setUp(suite, {
        hostname: "127.0.0.1",
        port: own.port,
        transport: suite.program!.transport,
      }, options);
      maskSecrets(ownSetup.variables);
      return await runScenario(suite, scenario, ownSetup, own, options, notes, mask);
    } finally {
      await own.stop();
      noteStrays(own, scenario.name);
    }
  }

  try {
    for (const scenario of selected) {
      if (scenario.skip !== undefined) {
        finish(notRun(scenario, "skipped", scenario.skip));
      } else if (error !== undefined && !(options.signal?.reason instanceof RunInterruptedError)) {
        // The suite could not start (in its time limit, too): its one error stands for every scenario.
        finish(notRun(scenario, setupError ? "error" : "failed", error, errorReport));
      } else if (options.stopSignal?.aborted || options.signal?.aborted) {
        finish(
          notRun(
            scenario,
            "skipped",
            options.signal?.aborted
              ? stopOutcome(options.signal.reason).notRun
              : "not run after a failure (--bail)",
          ),
        );
      } else {
        let result = await attempt(scenario);
        for (
          let retry = 1;
          result.status === "failed" && retry <= (options.retries ?? 0);
          retry++
        ) {
          if (options.signal?.aborted) break;
          result = {
            ...(await attempt(scenario)),
            attempts: retry + 1,
            retries: options.retries ?? 0,
          };
        }
        finish(result);
      }
    }
  } finally {
    await server?.close();
    await program?.stop();
    if (program !== undefined) noteStrays(program, undefined);
  }
  const result: SuiteResult = {
    name: suite.name,
    file: suite.file,
    scenarios,
    graded: suite.graded,
    duration: performance.now() - started,
    ...(error === undefined ? {} : { error }),
    ...(notes.length === 0 ? {} : { notes: notes.map((note) => mask.text(note)) }),
  };
  for (const reporter of reporters) reporter.suiteFinished?.(suite, result);
  return result;
}

/** A suite's `wait` address did not accept connections in time. */
export class WaitTimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was waited for.
   */
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeoutError";
  }
}

/**
 * Waits for the suite's `wait` address to accept a connection. A service
 * container gives no signal when it is up, so this polls: a connect attempt,
 * then a pause growing from 50ms to 1s, bounded by the timeout.
 */
async function waitFor(suite: Suite, options: RunOptions): Promise<void> {
  const wait = suite.wait!;
  const env = options.env ?? readEnv;
  const url = interpolate(
    options.target !== undefined && wait.for === suite.target ? options.target : wait.for,
    {},
    {
      env,
    },
  );
  const address = parseAddress(url);
  using deadline = new Deadline(wait.timeout * (options.timeoutScale ?? 1), [options.signal]);
  let pause = 50;
  let last = "";
  while (!deadline.signal.aborted) {
    if (address.transport === "udp") return;
    try {
      const conn = await untilAborted<Deno.Conn>(
        address.path === undefined
          ? Deno.connect({ hostname: address.hostname, port: address.port })
          : Deno.connect({ path: address.path, transport: "unix" }),
        deadline.signal,
      );
      conn?.close();
      if (conn !== undefined) return;
    } catch (cause) {
      last = (cause as Error).message;
    }
    using gap = new Deadline(pause, [deadline.signal]);
    await aborted(gap.signal);
    pause = Math.min(pause * 2, 1_000);
  }
  if (options.signal?.aborted) {
    throw new WaitTimeoutError(
      `${stopOutcome(options.signal.reason).message} while waiting for the service`,
    );
  }
  throw new WaitTimeoutError(
    `"${url}" did not accept connections within ${formatDuration(wait.timeout)}${
      last === "" ? "" : ` (last error: ${last})`
    }`,
  );
}
