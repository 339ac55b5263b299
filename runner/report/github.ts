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

/**
 * Formats one annotation line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { githubAnnotation } from "./github.ts";
 * assertEquals(githubAnnotation("a.yaml", 3, "x › y", "Bad\nreply"), "::error file=a.yaml,line=3,title=x › y::Bad%0Areply");
 * ```
 *
 * @param file The file.
 * @param line The line, when known.
 * @param title A short title.
 * @param message The message.
 * @returns The workflow command.
 */
export function githubAnnotation(
  file: string,
  line: number | undefined,
  title: string,
  message: string,
): string {
  const properties = [
    `file=${escapeProperty(file)}`,
    ...(line === undefined ? [] : [`line=${line}`]),
    `title=${escapeProperty(title)}`,
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
        `${githubAnnotation(issue.file, issue.line, "Invalid scenario file", issue.message)}\n`,
      );
    }
  }

  /** Annotates a failed scenario at its failed step. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    if (result.status !== "failed") return;
    const last = result.steps.at(-1);
    const message = last?.failure?.message ?? result.note ?? "failed";
    this.#write(
      `${
        githubAnnotation(
          last?.step.file ?? suite.file,
          last?.step.line ?? result.line,
          `${suite.name} › ${result.name}`,
          message,
        )
      }\n`,
    );
  }
}
