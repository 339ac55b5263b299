/**
 * The built-in reporters as classes, and the formatters behind them, for
 * programs that build or extend reports themselves. Runs reach reporters by
 * name with `createReporters` from `./mod.ts`, which loads only those used.
 *
 * @example Write a JUnit report of a run
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { parseSuite, runSuite } from "./mod.ts";
 * import { junitXml } from "./reporters.ts";
 *
 * const suite = parseSuite("name: echo\nserver: echo\nsteps: [connect, close]\n");
 * const result = await runSuite(suite);
 * const xml = junitXml({ suites: [result], invalid: [], passed: 1, failed: 0, skipped: 0, errors: 0, duration: 1 });
 * assertStringIncludes(xml, `tests="1"`);
 * ```
 *
 * @module
 */

export { PrettyReporter, type PrettyReporterOptions } from "./runner/report/pretty.ts";
export { DotReporter } from "./runner/report/dot.ts";
export { TapReporter } from "./runner/report/tap.ts";
export { escapeXml, JunitReporter, junitXml } from "./runner/report/junit.ts";
export { type JsonBytes, jsonReport, JsonReporter } from "./runner/report/json.ts";
export { htmlReport, HtmlReporter, sequenceDiagram } from "./runner/report/html.ts";
export {
  type AnnotationLocation,
  githubAnnotation,
  GithubAnnotationsReporter,
} from "./runner/report/github.ts";
export { ProgressReporter } from "./runner/report/progress.ts";
export {
  GradescopeReporter,
  type GradescopeReporterOptions,
  type GradescopeResults,
  gradescopeResults,
  type GradescopeResultsOptions,
  type GradescopeTest,
  type GradescopeVisibility,
} from "./runner/report/gradescope.ts";
export {
  type FailureFormatOptions,
  formatFailure,
  formatProcesses,
  formatTranscript,
} from "./runner/report/failure.ts";
export {
  escapeBytes,
  previewBytes,
  previewExpected,
  type PreviewOptions,
  previewReceived,
  retryNote,
} from "./runner/report/format.ts";
export type { Reporter } from "./runner/report/reporter.ts";
export type {
  ProcessReport,
  RunSummary,
  ScenarioResult,
  StepFailure,
  StepResult,
  SuiteResult,
} from "./runner/result.ts";
export type { TranscriptEvent } from "./runner/transcript.ts";
