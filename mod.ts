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
 * assert(result.scenarios[0]?.status === "passed");
 * ```
 *
 * The built-in reporters' classes and formatters are in `./reporters.ts`
 * (the package's `./reporters` export), loaded only by those who use them;
 * here they are reached by name through {@linkcode createReporters}.
 *
 * @module
 */

export { loadSuite, parseSuite, type ValidateOptions } from "./runner/load.ts";
export { formatIssue, InvalidSuiteError, type ValidationIssue } from "./runner/errors.ts";
export { type RunOptions, runSuite, WaitTimeoutError } from "./runner/run.ts";
export {
  findSuiteFiles,
  runFiles,
  type RunFilesOptions,
  selectShard,
  type Shard,
} from "./runner/run_files.ts";
export { RunInterruptedError, RunTimeLimitError } from "./runner/stop_reason.ts";
export type {
  AcceptStep,
  CloseStep,
  ConnectFailure,
  ConnectStep,
  ExitStep,
  Expectation,
  ExpectStep,
  FieldSpec,
  Framing,
  IncludeStep,
  IntType,
  LeaderboardSpec,
  LengthPrefix,
  LineMatch,
  ListenStep,
  Payload,
  ProcessLimits,
  ProgramSpec,
  ProxyStep,
  Readiness,
  RepeatStep,
  Scenario,
  SendStep,
  SetStep,
  SleepStep,
  SpawnStep,
  Split,
  StartTlsStep,
  Step,
  StepBase,
  Suite,
  SuiteProgram,
  TlsSpec,
  Transport,
} from "./runner/suite.ts";
export type {
  FailureReason,
  LeaderboardEntry,
  ProcessReport,
  RepeatMeasures,
  RunSummary,
  ScenarioResult,
  StepFailure,
  StepResult,
  SuiteResult,
} from "./runner/result.ts";
export type { TranscriptEvent, TranscriptEventKind } from "./runner/transcript.ts";
export type { Direction, Faults, FaultSet } from "./runner/faults.ts";
export {
  type JournalEntry,
  loadStub,
  parseStub,
  startStub,
  type StubAction,
  type StubOptions,
  type StubRule,
  type StubServer,
  type StubSpec,
} from "./runner/stub.ts";
export type { Reporter } from "./runner/report/reporter.ts";
export {
  createReporters,
  type CreateReportersOptions,
  type GradescopeVisibility,
  REPORTER_NAMES,
  type ReporterOutput,
  REPORTERS,
  type ReporterSpec,
  ReporterSpecError,
  ReportWriteError,
} from "./runner/report/mod.ts";
export {
  isServerName,
  type ReferenceServer,
  SERVER_NAMES,
  SERVER_TRANSPORTS,
  type ServerName,
  type ServerOptions,
  startServer,
} from "./servers/mod.ts";
