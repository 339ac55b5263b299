/**
 * GitHub Actions annotations: `::error file=…,line=…::` for each failure, so
 * failures show on the pull request.
 *
 * @module
 */

import type { InvalidSuiteError } from "../errors.ts";
import type { ScenarioResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import type { Reporter } from "./reporter.ts";

function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Where an annotation points. */
export interface AnnotationLocation {
  /** The file. */
  readonly file: string;
  /** The 1-based line, when known. */
  readonly line?: number | undefined;
  /** The 1-based column, when known. */
  readonly column?: number | undefined;
  /** A short title. */
  readonly title: string;
}

/**
 * Formats one annotation line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { githubAnnotation } from "./github.ts";
 * assertEquals(
 *   githubAnnotation("Bad\nreply", { file: "a.yaml", line: 3, title: "x › y" }),
 *   "::error file=a.yaml,line=3,title=x › y::Bad%0Areply",
 * );
 * ```
 *
 * @param message The message.
 * @param at The file, line and title.
 * @returns The workflow command.
 */
export function githubAnnotation(message: string, at: AnnotationLocation): string {
  const properties = [
    `file=${escapeProperty(at.file)}`,
    ...(at.line === undefined ? [] : [`line=${at.line}`]),
    ...(at.line === undefined || at.column === undefined ? [] : [`col=${at.column}`]),
    `title=${escapeProperty(at.title)}`,
  ];
  return `::error ${properties.join(",")}::${escapeData(message)}`;
}

/** Writes an annotation for every failed scenario and invalid file. */
export class GithubAnnotationsReporter implements Reporter {
  readonly #write: (text: string) => void;

  /**
   * Creates the reporter.
   *
   * @param write Where the workflow commands go (standard output).
   */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  /** Annotates each problem of an invalid file. */
  invalidSuite(error: InvalidSuiteError): void {
    for (const issue of error.issues) {
      this.#write(
        `${
          githubAnnotation(issue.message, {
            file: issue.file,
            line: issue.line,
            column: issue.column,
            title: "Invalid scenario file",
          })
        }\n`,
      );
    }
  }

  /** Annotates a failed scenario at its failed step. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    if (result.status !== "failed" && result.status !== "error") return;
    const last = result.steps.at(-1);
    const message = last?.failure?.message ?? result.note ?? "failed";
    this.#write(
      `${
        githubAnnotation(message, {
          file: last?.step.file ?? suite.file,
          line: last?.step.line ?? result.line,
          title: `${
            result.status === "error" ? "Set-up error: " : ""
          }${suite.name} › ${result.name}`,
        })
      }\n`,
    );
  }
}
