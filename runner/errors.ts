/**
 * Errors a suite file can have before anything runs.
 *
 * @module
 */

/** One problem found in a suite file. */
export interface ValidationIssue {
  /** The file, as given. */
  readonly file: string;
  /** The 1-based line, when known. */
  readonly line: number | undefined;
  /** The 1-based column of the offending key or value, when known. */
  readonly column?: number | undefined;
  /** The text of that line, for showing it with a caret. */
  readonly source?: string | undefined;
  /** The scenario's name (or `#N`), when the problem is inside one. */
  readonly scenario: string | undefined;
  /** The 1-based step number, when the problem is inside a step. */
  readonly step: number | undefined;
  /** What is wrong, with a suggestion where one fits. */
  readonly message: string;
  /** What kind of problem it is, e.g. `unknown-key` (see the table in `docs/scenarios.md`). */
  readonly code?: string | undefined;
  /** Where in the document: `scenarios[0].steps[2].expect.timout`. */
  readonly path?: string | undefined;
  /** The problem's particulars, as data: the key, the value found, what is allowed. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Formats an issue on one line: `file:line: scenario "x", step 3: message`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatIssue } from "./errors.ts";
 * const text = formatIssue({ file: "a.yaml", line: 4, scenario: "x", step: 2, message: "Oops" });
 * assert(text === `a.yaml:4: scenario "x", step 2: Oops`);
 * ```
 *
 * @param issue The issue.
 * @returns One line of text.
 */
export function formatIssue(issue: ValidationIssue): string {
  const where = [
    issue.scenario === undefined ? undefined : `scenario "${issue.scenario}"`,
    issue.step === undefined ? undefined : `step ${issue.step}`,
  ].filter((part) => part !== undefined).join(", ");
  const location = issue.line === undefined
    ? issue.file
    : issue.column === undefined
    ? `${issue.file}:${issue.line}`
    : `${issue.file}:${issue.line}:${issue.column}`;
  return `${location}: ${where === "" ? "" : `${where}: `}${issue.message}`;
}

/** A suite file that cannot run, with every problem found in it. */
export class InvalidSuiteError extends Error {
  /** The file. */
  readonly file: string;
  /** Every problem, in file order. */
  readonly issues: readonly ValidationIssue[];

  /**
   * Creates the error.
   *
   * @param file The file.
   * @param issues Every problem found.
   * @param options The underlying error, e.g. the YAML parser's.
   */
  constructor(file: string, issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(
      `Invalid suite "${file}": ${issues.length} ${issues.length === 1 ? "error" : "errors"}\n` +
        issues.map((issue) => `  ${formatIssue(issue)}`).join("\n"),
      options,
    );
    this.name = "InvalidSuiteError";
    this.file = file;
    this.issues = issues;
  }
}
