/**
 * The JSON report: every suite, scenario and step with its outcome and
 * timing, and each scenario's transcript. Its schema is documented in
 * docs/reporters.md and stable within `version` 1.
 *
 * @module
 */

import { encodeBase64 } from "@std/encoding/base64";
import type { RunSummary, ScenarioResult, StepFailure, StepResult } from "../result.ts";
import type { TranscriptEvent } from "../transcript.ts";
import { escapeBytes } from "./format.ts";
import type { Reporter } from "./reporter.ts";

/** Bytes in the JSON report: readable and exact. */
export interface JsonBytes {
  /** Printable text with `\n`, `\r`, `\t`, `\"`, `\\` and `\xNN` escapes. */
  readonly text: string;
  /** The same bytes in base64. */
  readonly base64: string;
  /** The full size; `text` and `base64` may hold only a part of it. */
  readonly size: number;
  /** Where the part shown starts, when it is not the start (failures keep 1 KiB around the first difference). */
  readonly start?: number;
}

function bytes(value: Uint8Array, size = value.length, start = 0): JsonBytes {
  return {
    text: escapeBytes(value),
    base64: encodeBase64(value),
    size,
    ...(start === 0 ? {} : { start }),
  };
}

function failure(value: StepFailure): Record<string, unknown> {
  return {
    reason: value.reason,
    message: value.message,
    ...(value.channel === undefined ? {} : { channel: value.channel }),
    ...(value.expected === undefined ? {} : { expected: value.expected }),
    ...(value.expectedBytes === undefined ? {} : {
      expected_bytes: bytes(value.expectedBytes, value.expectedSize, value.expectedStart),
    }),
    ...(value.received === undefined ? {} : {
      received: bytes(value.received, value.receivedSize, value.receivedStart),
    }),
    ...(value.offset === undefined ? {} : { offset: value.offset }),
    ...(value.trail === undefined ? {} : {
      trail: value.trail.map((entry) => ({
        number: entry.step.number,
        action: entry.step.action,
        source: entry.step.source,
        line: entry.step.line ?? null,
        file: entry.step.file ?? null,
        ...(entry.iteration === undefined ? {} : { iteration: entry.iteration }),
      })),
    }),
  };
}

function step(result: StepResult): Record<string, unknown> {
  return {
    number: result.step.number,
    action: result.step.action,
    line: result.step.line ?? null,
    file: result.step.file ?? null,
    source: result.step.source,
    status: result.status,
    duration_ms: round(result.duration),
    ...(result.note === undefined ? {} : { note: result.note }),
    ...(result.measures === undefined ? {} : {
      measures: {
        iterations: result.measures.iterations,
        passed: result.measures.passed,
        p50_ms: round(result.measures.p50),
        p95_ms: round(result.measures.p95),
        max_ms: round(result.measures.max),
        throughput_per_s: round(result.measures.throughput),
      },
    }),
    ...(result.failure === undefined ? {} : { failure: failure(result.failure) }),
  };
}

function event(value: TranscriptEvent): Record<string, unknown> {
  return {
    at_ms: round(value.at),
    channel: value.channel,
    kind: value.kind,
    ...(value.bytes === undefined ? {} : { bytes: bytes(value.bytes, value.size) }),
    ...(value.detail === undefined ? {} : { detail: value.detail }),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function scenario(result: ScenarioResult): Record<string, unknown> {
  return {
    name: result.name,
    line: result.line ?? null,
    status: result.status,
    attempts: result.attempts ?? 1,
    duration_ms: round(result.duration),
    points: result.points,
    hidden: result.hidden,
    ...(result.note === undefined ? {} : { note: result.note }),
    ...(result.leaderboard === undefined ? {} : { leaderboard: result.leaderboard }),
    steps: result.steps.map(step),
    transcript: result.transcript.map(event),
    dropped_events: result.droppedEvents,
    processes: result.processes.map((process) => ({
      name: process.name,
      command: process.command,
      status: process.status,
      stdout: process.stdout,
      stderr: process.stderr,
      ...(process.stdoutSize === undefined ? {} : { stdout_size: process.stdoutSize }),
      ...(process.stderrSize === undefined ? {} : { stderr_size: process.stderrSize }),
    })),
  };
}

/**
 * The JSON document for a run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonReport } from "./json.ts";
 * const report = jsonReport({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 1 });
 * assertEquals(report.version, 1);
 * ```
 *
 * @param summary The run's results.
 * @returns The report, ready for `JSON.stringify`.
 */
export function jsonReport(summary: RunSummary): { version: 1 } & Record<string, unknown> {
  return {
    version: 1,
    summary: {
      passed: summary.passed,
      failed: summary.failed,
      skipped: summary.skipped,
      errors: summary.errors,
      invalid_files: new Set(summary.invalid.map((issue) => issue.file)).size,
      duration_ms: round(summary.duration),
      ...(summary.score === undefined ? {} : { score: summary.score }),
    },
    invalid: summary.invalid.map((issue) => ({
      file: issue.file,
      line: issue.line ?? null,
      ...(issue.column === undefined ? {} : { column: issue.column }),
      scenario: issue.scenario ?? null,
      step: issue.step ?? null,
      message: issue.message,
      ...(issue.code === undefined ? {} : { code: issue.code }),
      ...(issue.path === undefined ? {} : { path: issue.path }),
      ...(issue.details === undefined ? {} : { details: issue.details }),
    })),
    suites: summary.suites.map((suite) => ({
      file: suite.file,
      name: suite.name,
      duration_ms: round(suite.duration),
      ...(suite.error === undefined ? {} : { error: suite.error }),
      ...(suite.notes === undefined ? {} : { notes: suite.notes }),
      scenarios: suite.scenarios.map(scenario),
    })),
  };
}

/**
 * Writes the JSON report when the run ends.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { JsonReporter } from "./json.ts";
 * let text = "";
 * await new JsonReporter((json) => { text = json; }).runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assertEquals(JSON.parse(text).summary.passed, 0);
 * ```
 */
export class JsonReporter implements Reporter {
  readonly #write: (text: string) => void | Promise<void>;

  /**
   * Creates the reporter.
   *
   * @param write Where the JSON goes.
   */
  constructor(write: (text: string) => void | Promise<void>) {
    this.#write = write;
  }

  /** Writes the report. */
  async runFinished(summary: RunSummary): Promise<void> {
    await this.#write(`${JSON.stringify(jsonReport(summary), null, 2)}\n`);
  }
}
