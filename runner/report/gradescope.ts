/**
 * The autograder `results.json` format: a score, and one test per scenario
 * with what the student needs to fix it (never the grader's files or paths).
 *
 * @module
 */

import { dirname } from "@std/path/posix/dirname";
import { resolve } from "@std/path/posix/resolve";
import {
  countResults,
  type LeaderboardEntry,
  type RunSummary,
  type ScenarioResult,
} from "../result.ts";
import { formatFailure } from "./failure.ts";
import { countParts, retryNote } from "./format.ts";
import type { Reporter } from "./reporter.ts";
import { writeStdout } from "../output.ts";

/** When Gradescope shows students a result. */
export type GradescopeVisibility = "visible" | "hidden" | "after_due_date" | "after_published";

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
  /** The failure report and transcript, plain text; on a pass, empty or how retries went. */
  readonly output: string;
  /** `visible`, or `after_published` (or `after_due_date`) for hidden scenarios. */
  readonly visibility: "visible" | "after_published" | "after_due_date";
}

/** The whole `results.json`. */
export interface GradescopeResults {
  /** Points earned; absent after a set-up error, which is no score at all. */
  readonly score?: number;
  /** Points possible; absent after a set-up error. */
  // deno-lint-ignore camelcase -- the autograder's field name
  readonly max_score?: number;
  /** A summary shown above the tests: of the visible tests only. */
  readonly output: string;
  /** When students see the results. */
  readonly visibility: GradescopeVisibility;
  /** The autograder's own output is for the course staff: it names hidden tests. */
  // deno-lint-ignore camelcase -- the autograder's field name
  readonly stdout_visibility: "hidden";
  /** One per scenario. */
  readonly tests: readonly GradescopeTest[];
  /** The figures of scenarios with a `leaderboard` that passed. */
  readonly leaderboard?: readonly LeaderboardEntry[];
}

/**
 * Paths of the grader's machine written relative to where they lie: a
 * suite's folder, the working directory, the home folder. Students see
 * `server.py`, not `/autograder/source/tests/server.py`.
 */
function relativePaths(text: string, dirs: readonly string[]): string {
  let out = text;
  for (const dir of dirs) {
    if (dir === "" || dir === "/") continue;
    out = out.split(`${dir}/`).join("").split(dir).join(".");
  }
  return out;
}

function test(
  suiteName: string,
  scenario: ScenarioResult,
  dirs: readonly string[],
): GradescopeTest {
  const passed = scenario.status === "passed";
  return {
    name: `${suiteName} › ${scenario.name}`,
    score: passed ? scenario.points : 0,
    max_score: scenario.points,
    status: passed ? "passed" : "failed",
    output: passed
      ? retryNote(scenario) ?? ""
      : scenario.status === "skipped"
      ? `Not run${scenario.note ? `: ${relativePaths(scenario.note, dirs)}` : ""}`
      : relativePaths(formatFailure("", scenario, { location: false }).join("\n"), dirs),
    visibility: scenario.hiddenUntil ?? (scenario.hidden ? "after_published" : "visible"),
  };
}

/** Options for {@linkcode gradescopeResults}. */
export interface GradescopeResultsOptions {
  /**
   * When students see the results (the top-level `visibility`).
   *
   * @default {"visible"}
   */
  visibility?: GradescopeVisibility;
  /**
   * Folders whose paths are written relative in student-visible text.
   *
   * @default {the suites' folders, the working directory and HOME}
   */
  dirs?: readonly string[];
}

/**
 * Builds `results.json` from a run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gradescopeResults } from "./gradescope.ts";
 * const results = gradescopeResults({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assertEquals(results.max_score, 0);
 * ```
 *
 * @param summary The run's results.
 * @param options Visibility, and the folders written relative.
 * @returns The autograder's results.
 */
export function gradescopeResults(
  summary: RunSummary,
  options: GradescopeResultsOptions = {},
): GradescopeResults {
  const dirs = options.dirs ??
    [...new Set([...summary.suites.map((suite) => resolve(dirname(suite.file))), Deno.cwd()])]
      .sort((a, b) => b.length - a.length)
      .concat(Deno.env.get("HOME") ?? "");
  const visibility = options.visibility ?? "visible";
  // A set-up error is the grader's: no test scores (a class of zeros), only
  // the error, so that the course staff see an autograder failure.
  const errored = summary.suites.flatMap((suite) =>
    suite.scenarios.filter((scenario) => scenario.status === "error").map((scenario) => ({
      name: `${suite.name} › ${scenario.name}`,
      message: relativePaths(
        scenario.steps.at(-1)?.failure?.message ?? scenario.note ?? "set-up error",
        dirs,
      ),
    }))
  );
  if (errored.length > 0) {
    const first = errored[0]!;
    return {
      output: `The autograder could not set up the tests: ${first.message} (in "${first.name}"${
        errored.length > 1 ? `, and ${errored.length - 1} more` : ""
      }). This is not your fault: tell your instructor.`,
      visibility,
      stdout_visibility: "hidden",
      tests: [],
    };
  }
  const tests = summary.suites.flatMap((suite) =>
    suite.scenarios.map((scenario) => test(suite.name, scenario, dirs))
  );
  // Before publication students see only the visible tests: counting the
  // others would tell them a hidden test failed.
  const shown = tests.filter((entry) => entry.visibility === "visible");
  const counts = countResults(summary.suites.map((suite) => ({
    ...suite,
    scenarios: suite.scenarios.filter((scenario) => !scenario.hidden),
  })));
  const leaderboard = summary.suites.flatMap((suite) =>
    suite.scenarios.flatMap((scenario) => scenario.leaderboard ?? [])
  );
  const invalid = summary.invalid.length === 0
    ? ""
    : `\nThe grader's test files have ${summary.invalid.length} errors; tell your instructor.`;
  return {
    score: total(tests, "score"),
    max_score: total(tests, "max_score"),
    output: `${shown.length < tests.length ? "Visible tests: " : ""}${
      countParts(counts).map((part) => part.text).join(", ")
    }. Score: ${total(shown, "score")}/${total(shown, "max_score")}${invalid}`,
    visibility,
    stdout_visibility: "hidden",
    tests,
    ...(leaderboard.length === 0 ? {} : { leaderboard }),
  };
}

function total(tests: readonly GradescopeTest[], field: "score" | "max_score"): number {
  return tests.reduce((sum, entry) => sum + entry[field], 0);
}

/** Options for {@linkcode GradescopeReporter}. */
export interface GradescopeReporterOptions {
  /**
   * Writes the JSON text (to a file or standard output).
   *
   * @default {writes to standard output}
   */
  write?: (text: string) => void | Promise<void>;
  /**
   * When students see the results (the top-level `visibility`).
   *
   * @default {"visible"}
   */
  visibility?: GradescopeVisibility;
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
 * await reporter.runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assertEquals(JSON.parse(text).tests, []);
 * ```
 */
export class GradescopeReporter implements Reporter {
  readonly #write: (text: string) => void | Promise<void>;
  readonly #visibility: GradescopeVisibility;

  /**
   * Creates the reporter.
   *
   * @param options Where the JSON goes, and when students see it.
   */
  constructor(options: GradescopeReporterOptions = {}) {
    this.#write = options.write ?? writeStdout;
    this.#visibility = options.visibility ?? "visible";
  }

  /** Writes the results. */
  async runFinished(summary: RunSummary): Promise<void> {
    const results = gradescopeResults(summary, { visibility: this.#visibility });
    await this.#write(`${JSON.stringify(results, null, 2)}\n`);
  }
}
