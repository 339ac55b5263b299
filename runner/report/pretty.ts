/**
 * The default reporter: one line per scenario, and for a failure everything
 * needed to fix the server without running it again.
 *
 * @module
 */

import { bold, dim, green, magenta, red, yellow } from "@std/fmt/colors";
import { formatDuration } from "../duration.ts";
import { formatIssue, type InvalidSuiteError, type ValidationIssue } from "../errors.ts";
import { clipText } from "../clip.ts";
import type { RunSummary, ScenarioResult, SuiteResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import { formatFailure } from "./failure.ts";
import { countParts, retryNote } from "./format.ts";
import { writeStdout } from "../output.ts";
import type { Reporter } from "./reporter.ts";

/**
 * A start-up error as compared between scenarios: with `per: scenario` each
 * attempt has a port of its own, and the same failure names another port.
 */
function sameFailure(note: string): string {
  return note.replace(/\b\d{4,5}\b/g, "#");
}

/** Options for {@linkcode PrettyReporter}. */
export interface PrettyReporterOptions {
  /**
   * Where text goes.
   *
   * @default {writes to standard output}
   */
  write?: (text: string) => void;
  /**
   * Whether to use colours.
   *
   * @default {false}
   */
  color?: boolean;
  /**
   * The most transcript events shown for a failure.
   *
   * @default {60}
   */
  maxTranscriptEvents?: number;
}

function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(2).replace(/0+$/, "");
}

/**
 * Reports scenarios as they finish and ends with `N passed, N failed`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { PrettyReporter } from "./pretty.ts";
 * let out = "";
 * const reporter = new PrettyReporter({ write: (text) => (out += text) });
 * await reporter.runFinished({ suites: [], invalid: [], passed: 1, failed: 0, skipped: 0, errors: 0, duration: 5 });
 * assert(out.trim().endsWith("1 passed, 0 failed"));
 * ```
 */
export class PrettyReporter implements Reporter {
  readonly #write: (text: string) => void;
  readonly #color: boolean;
  readonly #maxTranscriptEvents: number;
  /** A suite's start-up error, and the scenario it was shown in full with. */
  readonly #suiteErrors = new WeakMap<Suite, { note: string; scenario: string }>();

  /**
   * Creates the reporter.
   *
   * @param options Output, colours and transcript size.
   */
  constructor(options: PrettyReporterOptions = {}) {
    this.#write = options.write ?? writeStdout;
    this.#color = options.color ?? false;
    this.#maxTranscriptEvents = options.maxTranscriptEvents ?? 60;
  }

  #paint(paint: (text: string) => string, text: string): string {
    return this.#color ? paint(text) : text;
  }

  /** The problem's line as written, and a caret under its column, as std's YAML errors show. */
  #caret(issue: ValidationIssue): string[] {
    if (issue.source === undefined || issue.column === undefined) return [];
    // Tabs keep their width, so the caret stays under the character.
    const before = issue.source.slice(0, issue.column - 1).replace(/[^\t]/g, " ");
    return [`    ${clipText(issue.source, 200)}`, `    ${before}${this.#paint(red, "^")}`];
  }

  /** Lists a file's problems. */
  invalidSuite(error: InvalidSuiteError): void {
    const count = error.issues.length;
    const lines = [
      `${this.#paint(bold, error.file)} ${
        this.#paint(red, `invalid: ${count} ${count === 1 ? "error" : "errors"}, not run`)
      }`,
      ...error.issues.flatMap((issue) => [`  ${formatIssue(issue)}`, ...this.#caret(issue)]),
    ];
    this.#write(`${lines.join("\n")}\n\n`);
  }

  /** Prints the file and the suite's name. */
  suiteStarted(suite: Suite): void {
    this.#write(`${this.#paint(bold, suite.file)} ${this.#paint(dim, `(${suite.name})`)}\n`);
  }

  /** Prints a scenario's line, and its failure report when it failed. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    const note = retryNote(result);
    const retried = note === undefined ? "" : `, ${note}`;
    const time = this.#paint(dim, `(${formatDuration(result.duration)}${retried})`);
    const points = suite.graded
      ? this.#paint(dim, ` [${result.status === "passed" ? result.points : 0}/${result.points}]`)
      : "";
    if (result.status === "passed") {
      this.#write(`  ${this.#paint(green, "✓")} ${result.name} ${time}${points}\n`);
      for (const step of result.steps) {
        if (step.note !== undefined) {
          this.#write(`      ${this.#paint(dim, `${step.step.action}: ${step.note}`)}\n`);
        }
      }
      const board = result.leaderboard;
      if (board !== undefined) {
        this.#write(`      ${this.#paint(dim, `leaderboard "${board.name}": ${board.value}`)}\n`);
      }
    } else if (result.status === "skipped") {
      this.#write(
        `  ${this.#paint(yellow, "-")} ${result.name} ${
          this.#paint(dim, result.note ? `(skipped: ${result.note})` : "(skipped)")
        }\n`,
      );
    } else if (
      result.steps.length === 0 && result.note !== undefined &&
      this.#suiteErrors.get(suite)?.note === sameFailure(result.note)
    ) {
      // The same start-up error again: shown in full once, referred to after.
      const first = this.#suiteErrors.get(suite)!.scenario;
      this.#write(
        `  ${this.#mark(result)} ${result.name} ${
          this.#paint(
            dim,
            suite.program?.per === "scenario"
              ? `(not run: the program under test failed to start as in "${first}")`
              : "(not run: the suite could not start)",
          )
        }${points}\n`,
      );
    } else {
      if (result.steps.length === 0 && result.note !== undefined) {
        this.#suiteErrors.set(suite, { note: sameFailure(result.note), scenario: result.name });
      }
      const report = formatFailure(suite.file, result, {
        maxTranscriptEvents: this.#maxTranscriptEvents,
      })
        .map((line) => `      ${line}`).join("\n");
      const kind = result.status === "error"
        ? ` ${this.#paint(magenta, "set-up error, not a failure of what is tested:")}`
        : "";
      this.#write(`  ${this.#mark(result)} ${result.name} ${time}${points}${kind}\n${report}\n`);
    }
  }

  /** `✗` for a failure, `!` for a set-up error. */
  #mark(result: ScenarioResult): string {
    return result.status === "error" ? this.#paint(magenta, "!") : this.#paint(red, "✗");
  }

  /** Prints the suite's notes (processes stopped after they outlived theirs), then a blank line. */
  suiteFinished(_suite: Suite, result: SuiteResult): void {
    for (const note of result.notes ?? []) {
      this.#write(`  ${this.#paint(yellow, "!")} ${note}\n`);
    }
    this.#write("\n");
  }

  /** Prints invalid files and the `N passed, N failed` line. */
  runFinished(summary: RunSummary): void {
    const files = new Set(summary.invalid.map((issue) => issue.file)).size;
    if (files > 0) {
      this.#write(this.#paint(red, `${files} invalid ${files === 1 ? "file" : "files"} not run\n`));
    }
    const colours = { passed: green, failed: red, skipped: yellow, errors: magenta };
    const parts = countParts(summary).map(({ kind, count, text }) =>
      count > 0 ? this.#paint(colours[kind], text) : text
    );
    this.#write(`${parts.join(", ")}\n`);
    if (summary.score !== undefined) {
      this.#write(
        this.#paint(
          bold,
          `Score: ${formatPoints(summary.score.earned)}/${formatPoints(summary.score.possible)}\n`,
        ),
      );
    }
  }
}
