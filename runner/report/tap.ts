/**
 * TAP version 14: one test point per scenario as it finishes, failures with
 * a YAML diagnostic block, the plan at the end.
 *
 * @module
 */

import type { RunSummary, ScenarioResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import { formatFailure } from "./failure.ts";
import { retryNote } from "./format.ts";
import type { Reporter } from "./reporter.ts";

/** A description safe on a TAP test line: no `#` (directive) and no newline. */
function description(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/#/g, "\\#").replace(/[\r\n]+/g, " ");
}

/** A YAML double-quoted scalar. */
function yamlString(text: string): string {
  return JSON.stringify(text);
}

/**
 * Writes TAP 14 as scenarios finish.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TapReporter } from "./tap.ts";
 * let out = "";
 * const tap = new TapReporter((text) => { out += text; });
 * tap.runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assertEquals(out, "TAP version 14\n1..0\n");
 * ```
 */
export class TapReporter implements Reporter {
  readonly #write: (text: string) => void;
  #count = 0;
  #started = false;

  /**
   * Creates the reporter.
   *
   * @param write Where the TAP stream goes.
   */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#write("TAP version 14\n");
  }

  /** Reports an invalid file as a failed test point. */
  invalidSuite(
    error: { file: string; issues: readonly { message: string }[]; message: string },
  ): void {
    this.#start();
    this.#count++;
    const lines = error.message.split("\n").map((line) => `    ${line}`).join("\n");
    this.#write(
      `not ok ${this.#count} - ${description(`${error.file} (invalid)`)}\n  ---\n  message: ${
        yamlString(`${error.issues.length} validation errors`)
      }\n  severity: fail\n  data:\n    errors: |-\n${lines.replace(/^ {4}/gm, "      ")}\n  ...\n`,
    );
  }

  /** Writes a scenario's test point. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    this.#start();
    this.#count++;
    const name = description(`${suite.file} › ${result.name}`);
    if (result.status === "passed") {
      const note = retryNote(result);
      const retry = note === undefined ? "" : ` # ${note}`;
      this.#write(`ok ${this.#count} - ${name}${retry}\n`);
      return;
    }
    if (result.status === "skipped") {
      this.#write(
        `ok ${this.#count} - ${name} # SKIP${result.note ? ` ${description(result.note)}` : ""}\n`,
      );
      return;
    }
    const failure = result.steps.at(-1)?.failure;
    const report = formatFailure(suite.file, result).map((line) => `      ${line}`).join("\n");
    const step = result.steps.at(-1)?.step;
    this.#write(
      [
        `not ok ${this.#count} - ${name}${result.status === "error" ? " # error" : ""}`,
        "  ---",
        `  message: ${yamlString(failure?.message ?? result.note ?? "failed")}`,
        `  severity: ${result.status === "error" ? "error" : "fail"}`,
        ...(failure === undefined ? [] : [`  reason: ${yamlString(failure.reason)}`]),
        ...(step?.line === undefined ? [] : [
          `  at:`,
          `    file: ${yamlString(step.file ?? suite.file)}`,
          `    line: ${step.line}`,
        ]),
        "  report: |-",
        report,
        "  ...",
      ].join("\n") + "\n",
    );
  }

  /** Writes the plan. */
  runFinished(_summary: RunSummary): void {
    this.#start();
    this.#write(`1..${this.#count}\n`);
  }
}
