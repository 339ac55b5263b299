/**
 * Running many suite files: found under paths, split into shards, run a few
 * at a time (each with its own servers, ports and processes), with output
 * kept together per file.
 *
 * @module
 */

import { InvalidSuiteError, type ValidationIssue } from "./errors.ts";
import { loadSuite } from "./load.ts";
import type { Reporter } from "./report/reporter.ts";
import {
  countResults,
  type RunSummary,
  type ScenarioResult,
  scoreOf,
  type SuiteResult,
} from "./result.ts";
import { type RunOptions, runSuite } from "./run.ts";
import type { Suite } from "./suite.ts";
import { withinTimeLimit } from "./stop_reason.ts";

/** One of N equal parts of the files, for a CI matrix. */
export interface Shard {
  /** Which part, from 1. */
  readonly index: number;
  /** How many parts. */
  readonly total: number;
}

/** Options for {@linkcode runFiles}. */
export interface RunFilesOptions extends RunOptions {
  /**
   * How many files run at once. Scenarios within a file stay in order.
   *
   * @default {navigator.hardwareConcurrency}
   */
  jobs?: number;
  /**
   * Runs only this shard of the files.
   *
   * @default {undefined}
   */
  shard?: Shard;
  /**
   * Stops starting scenarios after the first failure.
   *
   * @default {false}
   */
  bail?: boolean;
  /**
   * The longest the whole run may take, in milliseconds (`--max-time`): the
   * running scenarios then fail, the rest are reported as not run, and every
   * process is stopped.
   *
   * @default {undefined}
   */
  maxTime?: number;
}

/**
 * Lists the suite files under the given paths: files as given, directories
 * searched for `*.yaml` and `*.yml`, sorted. Files whose names start with
 * `_` are fragments for `include` and are not listed from directories.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { findSuiteFiles } from "./run_files.ts";
 * const files = await findSuiteFiles(["scenarios"]);
 * assert(files.includes("scenarios/echo.yaml"));
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
      // `_*.yaml` files are fragments: they run only where a suite includes them.
      else if (entry.isFile && /^[^_].*\.ya?ml$/.test(entry.name)) files.push(path);
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
 * The files of one shard: the sorted list dealt round-robin, so N machines
 * together cover every file exactly once and get about the same number.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { selectShard } from "./run_files.ts";
 * assertEquals(selectShard(["c", "a", "b"], { index: 1, total: 2 }), ["a", "c"]);
 * assertEquals(selectShard(["c", "a", "b"], { index: 2, total: 2 }), ["b"]);
 * ```
 *
 * @param files Every file.
 * @param shard Which part of how many.
 * @returns The files of that part, sorted.
 * @throws {RangeError} When the shard is not `1 <= index <= total`.
 */
export function selectShard(files: readonly string[], shard: Shard): string[] {
  if (
    !(Number.isInteger(shard.index) && Number.isInteger(shard.total) && shard.index >= 1 &&
      shard.index <= shard.total)
  ) {
    throw new RangeError(
      `Invalid shard "${shard.index}/${shard.total}": expected I/N with 1 <= I <= N`,
    );
  }
  return [...files].sort().filter((_, position) => position % shard.total === shard.index - 1);
}

/**
 * Holds back each suite's events until it finishes, so files that run at
 * once still report one after another.
 */
class GroupedReporter implements Reporter {
  readonly #inner: Reporter;
  readonly #pending = new Map<Suite, (() => void)[]>();

  constructor(inner: Reporter) {
    this.#inner = inner;
  }

  invalidSuite(error: InvalidSuiteError): void {
    this.#inner.invalidSuite?.(error);
  }

  suiteStarted(suite: Suite): void {
    this.#pending.set(suite, [() => this.#inner.suiteStarted?.(suite)]);
  }

  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    this.#pending.get(suite)?.push(() => this.#inner.scenarioFinished?.(suite, result));
  }

  suiteFinished(suite: Suite, result: SuiteResult): void {
    for (const replay of this.#pending.get(suite) ?? []) replay();
    this.#pending.delete(suite);
    this.#inner.suiteFinished?.(suite, result);
  }

  runFinished(summary: RunSummary): void | Promise<void> {
    return this.#inner.runFinished?.(summary);
  }
}

/**
 * Loads and runs suite files, a few at once. Files with errors are reported
 * and not run; the others still are.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runFiles } from "./run_files.ts";
 * const summary = await runFiles(["scenarios/echo.yaml"], { jobs: 2 });
 * assertEquals(summary.failed, 0);
 * ```
 *
 * @param paths Suite files.
 * @param options Concurrency, sharding, bail, and everything {@linkcode runSuite} takes.
 * @returns What passed, failed, was skipped or invalid.
 */
export function runFiles(
  paths: readonly string[],
  options: RunFilesOptions = {},
): Promise<RunSummary> {
  return withinTimeLimit(
    (signal) => runFilesWithin(paths, { ...options, signal }),
    { limit: options.maxTime, source: "--max-time", signal: options.signal },
  );
}

async function runFilesWithin(
  paths: readonly string[],
  options: RunFilesOptions,
): Promise<RunSummary> {
  const started = performance.now();
  const files = options.shard === undefined ? [...paths] : selectShard(paths, options.shard);
  const jobs = Math.max(
    1,
    Math.min(options.jobs ?? navigator.hardwareConcurrency ?? 1, files.length),
  );
  const reporters = (options.reporters ?? []).map((reporter) =>
    jobs > 1 && !reporter.live ? new GroupedReporter(reporter) : reporter
  );
  const bail = new AbortController();
  const suiteOptions: RunOptions = {
    ...options,
    reporters: [...reporters, {
      scenarioFinished(_suite, result): void {
        if (options.bail && result.status === "failed") bail.abort();
      },
    }],
    stopSignal: options.stopSignal === undefined
      ? bail.signal
      : AbortSignal.any([options.stopSignal, bail.signal]),
  };
  const results: (SuiteResult | undefined)[] = new Array(files.length);
  const invalid: ValidationIssue[][] = files.map(() => []);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const index = next++;
      let suite: Suite;
      try {
        suite = await loadSuite(files[index]!, {
          variables: Object.keys(options.variables ?? {}),
          timeoutScale: options.timeoutScale ?? 1,
        });
      } catch (error) {
        if (!(error instanceof InvalidSuiteError)) throw error;
        invalid[index] = [...error.issues];
        for (const reporter of reporters) reporter.invalidSuite?.(error);
        continue;
      }
      results[index] = await runSuite(suite, suiteOptions);
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  const suites = results.filter((result): result is SuiteResult => result !== undefined);
  const score = scoreOf(suites);
  const summary: RunSummary = {
    suites,
    invalid: invalid.flat(),
    ...countResults(suites),
    duration: performance.now() - started,
    ...(score === undefined ? {} : { score }),
  };
  for (const reporter of reporters) await reporter.runFinished?.(summary);
  return summary;
}
