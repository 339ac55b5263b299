/**
 * One character per scenario (`.` passed, `F` failed, `S` skipped), then the
 * failure reports and the summary.
 *
 * @module
 */

import type { RunSummary, ScenarioResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import { formatFailure } from "./failure.ts";
import { countParts } from "./format.ts";
import type { Reporter } from "./reporter.ts";

/**
 * The compact reporter for long runs.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DotReporter } from "./dot.ts";
 * let out = "";
 * new DotReporter((text) => { out += text; }).runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assertEquals(out, "\n0 passed, 0 failed\n");
 * ```
 */
export class DotReporter implements Reporter {
  readonly #write: (text: string) => void;
  readonly #failures: string[] = [];

  /**
   * Creates the reporter.
   *
   * @param write Where the text goes.
   */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  /** Writes one character, keeping failures for the end. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    this.#write(
      result.status === "passed"
        ? "."
        : result.status === "skipped"
        ? "S"
        : result.status === "error"
        ? "E"
        : "F",
    );
    if (result.status === "failed" || result.status === "error") {
      this.#failures.push(
        [
          `${result.status === "error" ? "! set-up error:" : "✗"} ${suite.file} › ${result.name}`,
          ...formatFailure(suite.file, result).map((line) => `    ${line}`),
        ].join("\n"),
      );
    }
  }

  /** Writes the failures and the summary. */
  runFinished(summary: RunSummary): void {
    const invalid = summary.invalid.map((issue) =>
      `invalid: ${issue.file}${issue.line === undefined ? "" : `:${issue.line}`}: ${issue.message}`
    );
    const details = [...invalid, ...this.#failures];
    const counts = countParts(summary).map((part) => part.text).join(", ");
    this.#write(
      `\n${details.map((text) => `\n${text}\n`).join("")}${
        details.length > 0 ? "\n" : ""
      }${counts}\n`,
    );
  }
}
