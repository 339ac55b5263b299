/**
 * The autograder `results.json` format: a score, and one test per scenario
 * with what the student needs to fix it (never the grader's files or paths).
 *
 * @module
 */

import type { RunSummary, ScenarioResult } from "../result.ts";
import { formatFailure } from "./failure.ts";
import type { Reporter } from "./reporter.ts";
import { writeStdout } from "../output.ts";

/** One entry of `tests` in `results.json`. */
export interface GradescopeTest {
  /** `suite › scenario`. */
  readonly name: string;
  /** Points earned. */
  readonly score: number;
  /** Points possible. */
  // deno-lint-ignore camelcase -- the autograder's field name
  readonly max_score: number;
  /** `passed` or `failed`. */
  readonly status: "passed" | "failed";
  /** The failure report and transcript, plain text; empty on a pass. */
  readonly output: string;
  /** `visible`, or `after_published` for hidden scenarios. */
  readonly visibility: "visible" | "after_published";
}

/** The whole `results.json`. */
export interface GradescopeResults {
  /** Points earned. */
  readonly score: number;
  /** Points possible. */
  // deno-lint-ignore camelcase -- the autograder's field name
  readonly max_score: number;
  /** A summary shown above the tests. */
  readonly output: string;
  /** One per scenario. */
  readonly tests: readonly GradescopeTest[];
}

function test(suiteName: string, scenario: ScenarioResult): GradescopeTest {
  const passed = scenario.status === "passed";
  return {
    name: `${suiteName} › ${scenario.name}`,
    score: passed ? scenario.points : 0,
    max_score: scenario.points,
    status: passed ? "passed" : "failed",
    output: passed
      ? ""
      : scenario.status === "skipped"
      ? `Not run${scenario.note ? `: ${scenario.note}` : ""}`
      : formatFailure("", scenario, { location: false }).join("\n"),
    visibility: scenario.hidden ? "after_published" : "visible",
  };
}

/**
 * Builds `results.json` from a run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gradescopeResults } from "./gradescope.ts";
 * const results = gradescopeResults({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, duration: 0 });
 * assertEquals(results.max_score, 0);
 * ```
 *
 * @param summary The run's results.
 * @returns The autograder's results.
 */
export function gradescopeResults(summary: RunSummary): GradescopeResults {
  const tests = summary.suites.flatMap((suite) =>
    suite.scenarios.map((scenario) => test(suite.name, scenario))
  );
  const score = tests.reduce((sum, entry) => sum + entry.score, 0);
  const maxScore = tests.reduce((sum, entry) => sum + entry.max_score, 0);
  const invalid = summary.invalid.length === 0
    ? ""
    : `\nThe grader's test files have ${summary.invalid.length} errors; tell your instructor.`;
  return {
    score,
    max_score: maxScore,
    output: `${summary.passed} passed, ${summary.failed} failed${
      summary.skipped > 0 ? `, ${summary.skipped} skipped` : ""
    }. Score: ${score}/${maxScore}${invalid}`,
    tests,
  };
}

/** Options for {@linkcode GradescopeReporter}. */
export interface GradescopeReporterOptions {
  /**
   * Writes the JSON text (to a file or standard output).
   *
   * @default {writes to standard output}
   */
  write?: (text: string) => void | Promise<void>;
}

/**
 * Writes `results.json` when the run ends.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GradescopeReporter } from "./gradescope.ts";
 * let text = "";
 * const reporter = new GradescopeReporter({ write: (json) => { text = json; } });
 * await reporter.runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, duration: 0 });
 * assertEquals(JSON.parse(text).tests, []);
 * ```
 */
export class GradescopeReporter implements Reporter {
  readonly #write: (text: string) => void | Promise<void>;

  /**
   * Creates the reporter.
   *
   * @param options Where the JSON goes.
   */
  constructor(options: GradescopeReporterOptions = {}) {
    this.#write = options.write ?? writeStdout;
  }

  /** Writes the results. */
  async runFinished(summary: RunSummary): Promise<void> {
    await this.#write(`${JSON.stringify(gradescopeResults(summary), null, 2)}\n`);
  }
}
