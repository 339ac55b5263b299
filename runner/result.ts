/**
 * What running produces: a result per step, scenario and suite.
 *
 * @module
 */

import type { ValidationIssue } from "./errors.ts";
import type { Step } from "./suite.ts";
import type { TranscriptEvent } from "./transcript.ts";

/** Why a step failed. */
export type FailureReason =
  | "mismatch"
  | "timeout"
  | "closed"
  | "reset"
  | "refused"
  | "unresolved"
  | "handshake"
  | "overflow"
  | "connected"
  | "aborted"
  | "interrupted"
  | "exited"
  | "internal"
  | "error"
  | "setup";

/** Everything known about a failed step. */
export interface StepFailure {
  /** Why it stopped. */
  readonly reason: FailureReason;
  /** What is wrong, in a sentence. */
  readonly message: string;
  /** The connection it used. */
  readonly channel?: string;
  /** What was expected, for people (e.g. `line "hi"`). */
  readonly expected?: string;
  /** The exact bytes expected, when the expectation is bytes (at most 1 KiB around `offset`). */
  readonly expectedBytes?: Uint8Array;
  /** Where `expectedBytes` starts in what was expected. */
  readonly expectedStart?: number;
  /** The full size of what was expected, in bytes. */
  readonly expectedSize?: number;
  /** The unread bytes when it stopped (at most 1 KiB around `offset`). */
  readonly received?: Uint8Array;
  /** Where `received` starts in what was unread. */
  readonly receivedStart?: number;
  /** The full size of what was unread, in bytes. */
  readonly receivedSize?: number;
  /** Offset of the first difference in `received`. */
  readonly offset?: number;
  /** For `include` and `repeat`: the nested steps, outermost first, down to the one that failed. */
  readonly trail?: readonly { readonly step: Step; readonly iteration?: number }[];
}

/** The outcome of one step. */
export interface StepResult {
  /** The step. */
  readonly step: Step;
  /** Whether it passed, failed or never ran. */
  readonly status: "passed" | "failed";
  /** How long it took, in milliseconds. */
  readonly duration: number;
  /** Why it failed. */
  readonly failure?: StepFailure;
  /** A summary worth showing even on a pass, e.g. a `repeat`'s latencies. */
  readonly note?: string;
  /** A `repeat`'s figures. */
  readonly measures?: RepeatMeasures;
}

/** What a `repeat` step measured. */
export interface RepeatMeasures {
  /** Iterations run. */
  readonly iterations: number;
  /** Iterations that passed. */
  readonly passed: number;
  /** Median time of a passed iteration, in milliseconds. */
  readonly p50: number;
  /** 95th percentile, in milliseconds. */
  readonly p95: number;
  /** The slowest, in milliseconds. */
  readonly max: number;
  /** Passed iterations per second of the step's time. */
  readonly throughput: number;
}

/** A scenario's entry on a leaderboard. */
export interface LeaderboardEntry {
  /** The column's name. */
  readonly name: string;
  /** The figure (milliseconds, or iterations per second for throughput), rounded to 0.01. */
  readonly value: number;
  /** `asc` when lower ranks first, `desc` when higher does. */
  readonly order: "asc" | "desc";
}

/** What a process Parley started printed, for failure reports. */
export interface ProcessReport {
  /** `program under test`, or a spawned channel's name. */
  readonly name: string;
  /** The command line. */
  readonly command: string;
  /** `running`, `exited with code 1`, `killed by SIGSEGV`, … */
  readonly status: string;
  /** The last of its stdout (64 KiB at most). */
  readonly stdout: string;
  /** The last of its stderr (64 KiB at most). */
  readonly stderr: string;
  /** How many bytes it wrote to stdout in all, when `stdout` holds only the last of them. */
  readonly stdoutSize?: number;
  /** How many bytes it wrote to stderr in all, when `stderr` holds only the last of them. */
  readonly stderrSize?: number;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  /** The scenario's name. */
  readonly name: string;
  /** Its line in the file. */
  readonly line: number | undefined;
  /**
   * Passed, failed, skipped, or `error`: Parley could not set the stage (a
   * command not found, a missing `cwd`, a fixed port taken before the
   * program started), which is the grader's problem, not a failure of what
   * is tested.
   */
  readonly status: "passed" | "failed" | "skipped" | "error";
  /** Why it was skipped or could not start. */
  readonly note?: string;
  /** How long it took, in milliseconds. */
  readonly duration: number;
  /** The steps that ran, in order; the last one failed when the scenario did. */
  readonly steps: readonly StepResult[];
  /** How many steps the scenario has. */
  readonly stepCount: number;
  /** What crossed its connections. */
  readonly transcript: readonly TranscriptEvent[];
  /** Transcript events dropped because of its limit. */
  readonly droppedEvents: number;
  /** What it is worth when graded. */
  readonly points: number;
  /** Whether students see it only later: once grades are published, or after the due date. */
  readonly hidden: boolean;
  /** With `hidden: after_due_date`: students see it after the due date. */
  readonly hiddenUntil?: "after_due_date";
  /** The processes it involved, when it failed. */
  readonly processes: readonly ProcessReport[];
  /** How many times it ran (more than 1 after `--retries`). */
  readonly attempts?: number;
  /** How many retries it was allowed (`--retries`), when any. */
  readonly retries?: number;
  /** Its leaderboard figure, when it has a `leaderboard` and passed. */
  readonly leaderboard?: LeaderboardEntry;
}

/** The outcome of one suite file. */
export interface SuiteResult {
  /** The suite's name. */
  readonly name: string;
  /** Its file. */
  readonly file: string;
  /** Its scenarios' outcomes. */
  readonly scenarios: readonly ScenarioResult[];
  /** Whether any scenario sets `points`, so reports show a score. */
  readonly graded: boolean;
  /** Why the suite could not start (its scenarios then did not run). */
  readonly error?: string;
  /**
   * What people should know that is not a failure: processes that outlived
   * the program that started them and had to be stopped.
   */
  readonly notes?: readonly string[];
  /** How long it took, in milliseconds. */
  readonly duration: number;
}

/** The outcome of a whole run. */
export interface RunSummary {
  /** Every suite that ran. */
  readonly suites: readonly SuiteResult[];
  /** Every problem of the files that could not run. */
  readonly invalid: readonly ValidationIssue[];
  /** Scenarios that passed. */
  readonly passed: number;
  /** Scenarios that failed. */
  readonly failed: number;
  /** Scenarios skipped. */
  readonly skipped: number;
  /** Scenarios that could not be set up (status `error`). */
  readonly errors: number;
  /** How long the run took, in milliseconds. */
  readonly duration: number;
  /** Points earned and possible, when any suite is graded. */
  readonly score?: { readonly earned: number; readonly possible: number };
}

/**
 * Adds up the points of graded suites: a passed scenario earns its points,
 * any other earns none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scoreOf } from "./result.ts";
 * assertEquals(scoreOf([]), undefined);
 * ```
 *
 * @param suites The suites' results.
 * @returns Points earned and possible, or `undefined` when no suite is graded.
 */
export function scoreOf(
  suites: readonly SuiteResult[],
): { earned: number; possible: number } | undefined {
  const graded = suites.filter((suite) => suite.graded);
  if (graded.length === 0) return undefined;
  let earned = 0;
  let possible = 0;
  for (const suite of graded) {
    for (const scenario of suite.scenarios) {
      possible += scenario.points;
      if (scenario.status === "passed") earned += scenario.points;
    }
  }
  return { earned, possible };
}

/**
 * Counts scenario outcomes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { countResults } from "./result.ts";
 * assert(countResults([]).passed === 0);
 * ```
 *
 * @param suites The suites' results.
 * @returns Passed, failed, skipped and errored scenarios.
 */
export function countResults(
  suites: readonly SuiteResult[],
): { passed: number; failed: number; skipped: number; errors: number } {
  const counts = { passed: 0, failed: 0, skipped: 0, errors: 0 };
  for (const suite of suites) {
    for (const { status } of suite.scenarios) counts[status === "error" ? "errors" : status]++;
  }
  return counts;
}
