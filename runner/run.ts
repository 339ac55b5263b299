/**
 * Running suites: scenarios in order, steps in order, every resource a
 * scenario opened closed in one `finally`, pass or fail.
 *
 * @module
 */

import {
  type ReferenceServer,
  SERVER_TRANSPORTS,
  type ServerName,
  startServer,
} from "../servers/mod.ts";
import { type Channel, untilAborted } from "./channels/channel.ts";
import { InvalidSuiteError, type ValidationIssue } from "./errors.ts";
import { interpolate } from "./interpolate.ts";
import { loadSuite } from "./load.ts";
import type { Reporter } from "./report/reporter.ts";
import {
  countResults,
  type ProcessReport,
  type RunSummary,
  type ScenarioResult,
  scoreOf,
  type StepFailure,
  type StepResult,
  type SuiteResult,
} from "./result.ts";
import { describeExit, type RunningProcess } from "./process.ts";
import { processReport, ProgramStartError, ProgramUnderTest } from "./program.ts";
import {
  type Address,
  parseAddress,
  runStep,
  StepFailedError,
  type StepScope,
} from "./steps/mod.ts";
import type { Scenario, Step, Suite, Transport } from "./suite.ts";
import { Transcript } from "./transcript.ts";
import { Deadline } from "./deadline.ts";

/** Options for {@linkcode runSuite} and {@linkcode runFiles}. */
export interface RunOptions {
  /**
   * Cancels the run; open connections are closed and servers stopped.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
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
}

function readEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/** Suite-level state every scenario starts from. */
interface SuiteSetup {
  readonly variables: Record<string, string>;
  readonly address: Address | undefined;
}

function setUp(
  suite: Suite,
  server: { hostname: string; port: number; transport: Transport } | undefined,
  env: (name: string) => string | undefined,
): SuiteSetup {
  const variables: Record<string, string> = {};
  let address: Address | undefined;
  if (server !== undefined) {
    variables.host = server.hostname;
    variables.port = String(server.port);
    address = { transport: server.transport, hostname: server.hostname, port: server.port };
  } else if (suite.target !== undefined) {
    address = parseAddress(interpolate(suite.target, {}, { env }));
    variables.host = address.hostname;
    variables.port = String(address.port);
  }
  for (const [name, template] of Object.entries(suite.variables)) {
    variables[name] = interpolate(template, variables, { env });
  }
  return { variables, address };
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
}

/** Turns whatever a step threw into a failure, naming the program under test when it is to blame. */
function failureOf(error: unknown, run: ScenarioRun): StepFailure {
  const failure: StepFailure = error instanceof StepFailedError ? error.failure : {
    reason: "error",
    message: `Internal error: ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }`,
  };
  const exit = run.program?.process.exit;
  if (run.programFailed?.aborted && exit !== undefined) {
    return {
      ...failure,
      reason: "exited",
      message: `The program under test ${describeExit(exit)} while this step ran${
        failure.reason === "aborted" ? "" : ` (${failure.message})`
      }`,
    };
  }
  if (exit !== undefined && !exit.stoppedByUs && failure.reason !== "exited") {
    return {
      ...failure,
      message: `${failure.message}; the program under test had ${describeExit(exit)}`,
    };
  }
  return failure;
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
    let deadline: Deadline | undefined;
    try {
      if (runSignal.aborted) {
        throw new StepFailedError({ reason: "aborted", message: "Run cancelled" });
      }
      if (run.programFailed?.aborted) {
        throw new StepFailedError({
          reason: "exited",
          message: "The program under test is not running",
        });
      }
      const note = await runStep(step, {
        ...scope,
        address: run.setup.address,
        maxBuffer: suite.maxBuffer,
        dir: suite.dir,
        processes: run.processes,
        runSteps: (nested, nestedScope) => runSteps(nested, nestedScope, run),
        runSignal,
        // Made on first use: steps that never wait (close, set) need no timer.
        get signal(): AbortSignal {
          deadline ??= new Deadline(timeout, [options.signal, run.programFailed]);
          return deadline.signal;
        },
        timeout,
        env,
      });
      results.push({
        step,
        status: "passed",
        duration: performance.now() - started,
        ...(note === undefined ? {} : { note }),
      });
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
      const failure = failureOf(error, run);
      results.push({ step, status: "failed", duration: performance.now() - started, failure });
      break;
    } finally {
      deadline?.clear();
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
): Promise<ScenarioResult> {
  const started = performance.now();
  const transcript = new Transcript();
  const channels = new Map<string, Channel>();
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
  const failed = steps.at(-1)?.status === "failed";
  return {
    name: scenario.name,
    line: scenario.line,
    status: failed ? "failed" : "passed",
    duration: performance.now() - started,
    steps,
    stepCount: scenario.steps.length,
    transcript: transcript.events,
    droppedEvents: transcript.dropped,
    points: scenario.points,
    hidden: scenario.hidden,
    processes: failed
      ? [
        ...(program === undefined ? [] : [processReport("program under test", program.process)]),
        ...run.processes.map((process) => processReport(process.name, process)),
      ]
      : [],
  };
}

function notRun(
  scenario: Scenario,
  status: "skipped" | "failed",
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
    processes,
  };
}

async function startProgram(
  suite: Suite,
  options: RunOptions,
): Promise<ProgramUnderTest> {
  return await ProgramUnderTest.start(suite.program!, {
    dir: suite.dir,
    variables: suite.variables,
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
 * assertEquals(result.scenarios[0].status, "passed");
 * ```
 *
 * @param suite The suite.
 * @param options Cancellation, timeout scale, reporters and environment.
 * @returns The suite's result.
 */
export async function runSuite(suite: Suite, options: RunOptions = {}): Promise<SuiteResult> {
  const started = performance.now();
  const reporters = options.reporters ?? [];
  for (const reporter of reporters) reporter.suiteStarted?.(suite);
  const scenarios: ScenarioResult[] = [];
  function finish(result: ScenarioResult): void {
    scenarios.push(result);
    for (const reporter of reporters) reporter.scenarioFinished?.(suite, result);
  }
  const env = options.env ?? readEnv;
  let server: ReferenceServer | undefined;
  let program: ProgramUnderTest | undefined;
  let setup: SuiteSetup | undefined;
  let setupError: string | undefined;
  let setupReport: ProcessReport[] = [];
  const perScenario = suite.program?.per === "scenario";
  try {
    if (suite.server !== undefined && suite.server in SERVER_TRANSPORTS) {
      server = startServer(suite.server as ServerName);
      setup = setUp(suite, { ...server, transport: "tcp" }, env);
    } else if (suite.program !== undefined && !perScenario) {
      program = await startProgram(suite, options);
      setup = setUp(suite, {
        hostname: "127.0.0.1",
        port: program.port,
        transport: suite.program.transport,
      }, env);
    } else if (!perScenario) {
      setup = setUp(suite, undefined, env);
    }
  } catch (error) {
    setupError = error instanceof ProgramStartError
      ? error.message
      : `Cannot start suite: ${(error as Error).message}`;
    if (error instanceof ProgramStartError && error.report !== undefined) {
      setupReport = [error.report];
    }
  }
  try {
    for (const scenario of suite.scenarios) {
      if (scenario.skip !== undefined) {
        finish(notRun(scenario, "skipped", scenario.skip));
      } else if (perScenario && setupError === undefined) {
        let own: ProgramUnderTest | undefined;
        try {
          own = await startProgram(suite, options);
        } catch (error) {
          if (!(error instanceof ProgramStartError)) throw error;
          finish(
            notRun(
              scenario,
              "failed",
              error.message,
              error.report === undefined ? [] : [error.report],
            ),
          );
          continue;
        }
        try {
          const ownSetup = setUp(suite, {
            hostname: "127.0.0.1",
            port: own.port,
            transport: suite.program!.transport,
          }, env);
          finish(await runScenario(suite, scenario, ownSetup, own, options));
        } finally {
          await own.stop();
        }
      } else if (setup === undefined) {
        finish(notRun(scenario, "failed", setupError ?? "Suite not set up", setupReport));
      } else {
        finish(await runScenario(suite, scenario, setup, program, options));
      }
    }
  } finally {
    await server?.close();
    await program?.stop();
  }
  const result: SuiteResult = {
    name: suite.name,
    file: suite.file,
    scenarios,
    graded: suite.graded,
    duration: performance.now() - started,
  };
  for (const reporter of reporters) reporter.suiteFinished?.(suite, result);
  return result;
}

/**
 * Lists the suite files under the given paths: files as given, directories
 * searched for `*.yaml` and `*.yml`, sorted.
 *
 * @example
 * ```ts ignore
 * import { findSuiteFiles } from "./run.ts";
 * const files = await findSuiteFiles(["scenarios"]);
 * ```
 *
 * @param paths Files and directories.
 * @returns The files.
 * @throws {Deno.errors.NotFound} When a path does not exist.
 */
export async function findSuiteFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      const path = `${dir.replace(/\/+$/, "")}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && /\.ya?ml$/.test(entry.name)) files.push(path);
    }
  }
  for (const path of paths) {
    const info = await Deno.stat(path);
    if (info.isDirectory) await walk(path);
    else files.push(path);
  }
  return [...new Set(files)];
}

/**
 * Loads and runs suite files. Files with errors are reported and not run;
 * the others still are.
 *
 * @example
 * ```ts ignore
 * import { runFiles } from "./run.ts";
 * const summary = await runFiles(["scenarios/echo.yaml"]);
 * if (summary.failed > 0) Deno.exit(1);
 * ```
 *
 * @param paths Suite files.
 * @param options Cancellation, timeout scale, reporters and environment.
 * @returns What passed, failed, was skipped or invalid.
 */
export async function runFiles(
  paths: readonly string[],
  options: RunOptions = {},
): Promise<RunSummary> {
  const started = performance.now();
  const reporters = options.reporters ?? [];
  const suites: SuiteResult[] = [];
  const invalid: ValidationIssue[] = [];
  for (const path of paths) {
    let suite: Suite;
    try {
      suite = await loadSuite(path);
    } catch (error) {
      if (!(error instanceof InvalidSuiteError)) throw error;
      invalid.push(...error.issues);
      for (const reporter of reporters) reporter.invalidSuite?.(error);
      continue;
    }
    suites.push(await runSuite(suite, options));
  }
  const score = scoreOf(suites);
  const summary: RunSummary = {
    suites,
    invalid,
    ...countResults(suites),
    duration: performance.now() - started,
    ...(score === undefined ? {} : { score }),
  };
  for (const reporter of reporters) await reporter.runFinished?.(summary);
  return summary;
}
