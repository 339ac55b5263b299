/**
 * Running suites: scenarios in order, steps in order, every resource a
 * scenario opened closed in one `finally`, pass or fail.
 *
 * @module
 */

import { SERVER_TRANSPORTS, type ServerName, startServer } from "../servers/mod.ts";
import { type Channel } from "./channels/channel.ts";
import { InvalidSuiteError, type ValidationIssue } from "./errors.ts";
import { interpolate } from "./interpolate.ts";
import { loadSuite } from "./load.ts";
import type { Reporter } from "./report/reporter.ts";
import {
  countResults,
  type RunSummary,
  type ScenarioResult,
  type StepResult,
  type SuiteResult,
} from "./result.ts";
import { type Address, parseAddress, runStep, StepFailedError } from "./steps/mod.ts";
import type { Scenario, Suite } from "./suite.ts";
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
  server: { hostname: string; port: number } | undefined,
  env: (name: string) => string | undefined,
): SuiteSetup {
  const variables: Record<string, string> = {};
  let address: Address | undefined;
  if (server !== undefined) {
    variables.host = server.hostname;
    variables.port = String(server.port);
    address = { transport: "tcp", hostname: server.hostname, port: server.port };
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

async function runScenario(
  suite: Suite,
  scenario: Scenario,
  setup: SuiteSetup,
  options: RunOptions,
): Promise<ScenarioResult> {
  const started = performance.now();
  const transcript = new Transcript();
  const channels = new Map<string, Channel>();
  const steps: StepResult[] = [];
  const runSignal = options.signal ?? new AbortController().signal;
  const scale = options.timeoutScale ?? 1;
  const variables = { ...setup.variables };
  const env = options.env ?? readEnv;
  let failed = false;
  try {
    for (const step of scenario.steps) {
      const timeout = (step.timeout ?? scenario.timeout ?? suite.timeout) * scale;
      const stepStarted = performance.now();
      try {
        if (runSignal.aborted) {
          throw new StepFailedError({ reason: "aborted", message: "Run cancelled" });
        }
        let deadline: Deadline | undefined;
        try {
          await runStep(step, {
            channels,
            variables,
            transcript,
            address: setup.address,
            maxBuffer: suite.maxBuffer,
            runSignal,
            // Made on first use: steps that never wait (close, set) need no timer.
            get signal(): AbortSignal {
              deadline ??= new Deadline(timeout, options.signal);
              return deadline.signal;
            },
            timeout,
            env,
          });
        } finally {
          deadline?.clear();
        }
        steps.push({ step, status: "passed", duration: performance.now() - stepStarted });
      } catch (error) {
        const failure = error instanceof StepFailedError ? error.failure : {
          reason: "error" as const,
          message: `Internal error: ${
            error instanceof Error ? error.stack ?? error.message : String(error)
          }`,
        };
        steps.push({ step, status: "failed", duration: performance.now() - stepStarted, failure });
        failed = true;
        break;
      }
    }
  } finally {
    await Promise.allSettled([...channels.values()].map((channel) => channel.close()));
  }
  return {
    name: scenario.name,
    line: scenario.line,
    status: failed ? "failed" : "passed",
    duration: performance.now() - started,
    steps,
    stepCount: scenario.steps.length,
    transcript: transcript.events,
    droppedEvents: transcript.dropped,
  };
}

function notRun(scenario: Scenario, status: "skipped" | "failed", note: string): ScenarioResult {
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
  };
}

/**
 * Runs a validated suite: starts its server, runs every scenario in order
 * and stops the server.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
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
 * assert(result.scenarios[0].status === "passed");
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
  let server;
  let setup: SuiteSetup | undefined;
  let setupError: string | undefined;
  try {
    if (suite.server !== undefined && suite.server in SERVER_TRANSPORTS) {
      server = startServer(suite.server as ServerName);
    }
    setup = setUp(suite, server, options.env ?? readEnv);
  } catch (error) {
    setupError = `Cannot start suite: ${(error as Error).message}`;
  }
  try {
    for (const scenario of suite.scenarios) {
      if (scenario.skip !== undefined) finish(notRun(scenario, "skipped", scenario.skip));
      else if (setup === undefined) {
        finish(notRun(scenario, "failed", setupError ?? "Suite not set up"));
      } else finish(await runScenario(suite, scenario, setup, options));
    }
  } finally {
    await server?.close();
  }
  const result: SuiteResult = {
    name: suite.name,
    file: suite.file,
    scenarios,
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
  const summary: RunSummary = {
    suites,
    invalid,
    ...countResults(suites),
    duration: performance.now() - started,
  };
  for (const reporter of reporters) await reporter.runFinished?.(summary);
  return summary;
}
