/**
 * Parley: scriptable protocol tests. YAML scenarios of connect, send and
 * expect steps over TCP and UDP, run against built-in reference servers or
 * real hosts.
 *
 * @example Run a suite from text in a `Deno.test`
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseSuite, runSuite } from "./mod.ts";
 *
 * const suite = parseSuite(`
 * name: echo
 * server: echo
 * steps:
 *   - connect
 *   - send: "hello\\n"
 *   - expect: { line: "hello" }
 * `);
 * const result = await runSuite(suite);
 * assert(result.scenarios[0].status === "passed");
 * ```
 *
 * @module
 */

export { loadSuite, parseSuite, type ValidateOptions } from "./runner/load.ts";
export { validateSuite } from "./runner/validate.ts";
export { parseYaml, type YamlDocument, YamlSyntaxError } from "./runner/yaml.ts";
export { type RunOptions, runSuite, WaitTimeoutError } from "./runner/run.ts";
export {
  findSuiteFiles,
  runFiles,
  type RunFilesOptions,
  selectShard,
  type Shard,
} from "./runner/run_files.ts";
export { formatIssue, InvalidSuiteError, type ValidationIssue } from "./runner/errors.ts";
export { UndefinedVariableError } from "./runner/interpolate.ts";
export { formatDuration, parseDuration } from "./runner/duration.ts";
export type {
  AcceptStep,
  CloseStep,
  ConnectFailure,
  ConnectStep,
  ExitStep,
  Expectation,
  ExpectStep,
  IncludeStep,
  LineMatch,
  ListenStep,
  Payload,
  ProgramSpec,
  Readiness,
  RepeatStep,
  Scenario,
  SendStep,
  SetStep,
  SleepStep,
  SpawnStep,
  Split,
  Step,
  StepBase,
  Suite,
  SuiteProgram,
  Transport,
} from "./runner/suite.ts";
export type {
  FailureReason,
  ProcessReport,
  RunSummary,
  ScenarioResult,
  StepFailure,
  StepResult,
  SuiteResult,
} from "./runner/result.ts";
export type { TranscriptEvent, TranscriptEventKind } from "./runner/transcript.ts";
export type { Reporter } from "./runner/report/reporter.ts";
export { PrettyReporter, type PrettyReporterOptions } from "./runner/report/pretty.ts";
export {
  createReporters,
  type CreateReportersOptions,
  REPORTER_NAMES,
  ReporterSpecError,
  ReportWriteError,
} from "./runner/report/mod.ts";
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
  type GradescopeTest,
} from "./runner/report/gradescope.ts";
export {
  type FailureFormatOptions,
  formatFailure,
  formatProcesses,
  formatTranscript,
} from "./runner/report/failure.ts";
export { escapeBytes, previewBytes, type PreviewOptions } from "./runner/report/format.ts";
export {
  isServerName,
  type ReferenceServer,
  SERVER_NAMES,
  SERVER_TRANSPORTS,
  type ServerName,
  type ServerOptions,
  startServer,
} from "./servers/mod.ts";
