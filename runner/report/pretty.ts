/**
 * The default reporter: one line per scenario, and for a failure everything
 * needed to fix the server without running it again.
 *
 * @module
 */

import { bold, dim, green, red, yellow } from "@std/fmt/colors";
import { formatDuration } from "../duration.ts";
import { formatIssue, type InvalidSuiteError } from "../errors.ts";
import type { RunSummary, ScenarioResult, StepResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import type { TranscriptEvent } from "../transcript.ts";
import { escapedOffset, previewBytes } from "./format.ts";
import type { Reporter } from "./reporter.ts";

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

const encoder = new TextEncoder();

/**
 * Writes text to standard output, all of it.
 *
 * @param text The text.
 */
export function writeStdout(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/**
 * Formats a transcript for people, clipped to `max` events.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatTranscript } from "./pretty.ts";
 * const lines = formatTranscript([{ at: 1.5, channel: "main", kind: "send", bytes: new TextEncoder().encode("hi\n"), size: 3 }]);
 * assert(lines[0].includes(`→ "hi\\n"`));
 * ```
 *
 * @param events The transcript.
 * @param max The most events shown; the middle is elided.
 * @returns One line per event.
 */
export function formatTranscript(events: readonly TranscriptEvent[], max = 60): string[] {
  const width = Math.max(...events.map((event) => event.channel.length), 4);
  function line(event: TranscriptEvent): string {
    const time = event.at.toFixed(1).padStart(8);
    const channel = event.channel.padEnd(width);
    const payload = event.bytes === undefined
      ? ""
      : previewBytes(event.bytes, { max: 100, size: event.size ?? event.bytes.length });
    switch (event.kind) {
      case "send":
        return `${time}  ${channel}  → ${payload}`;
      case "receive":
        return `${time}  ${channel}  ← ${payload}`;
      default:
        return `${time}  ${channel}  ${event.kind}${
          event.detail === undefined ? "" : ` ${event.detail}`
        }`;
    }
  }
  if (events.length <= max) return events.map(line);
  const head = Math.floor(max / 4);
  const tail = max - head;
  return [
    ...events.slice(0, head).map(line),
    `${" ".repeat(8)}  … ${events.length - head - tail} events not shown …`,
    ...events.slice(-tail).map(line),
  ];
}

/**
 * Formats a failed step: where it is, the step as written, why it stopped,
 * expected against received, and the scenario's transcript.
 *
 * @example
 * ```ts ignore
 * import { formatFailure } from "./pretty.ts";
 * const text = formatFailure("a.yaml", result).join("\n");
 * ```
 *
 * @param file The suite's file.
 * @param result The failed scenario.
 * @param maxTranscriptEvents The most transcript events shown.
 * @returns The report's lines, unindented.
 */
export function formatFailure(
  file: string,
  result: ScenarioResult,
  maxTranscriptEvents = 60,
): string[] {
  const failed: StepResult | undefined = result.steps.at(-1);
  if (failed === undefined || failed.failure === undefined) {
    return result.note === undefined ? [] : [result.note];
  }
  const { step, failure } = failed;
  const lines: string[] = [];
  const location = step.line === undefined ? file : `${file}:${step.line}`;
  lines.push(`at ${location}, step ${step.number} of ${result.stepCount}:`);
  for (const source of step.source.split("\n")) lines.push(`  ${source}`);
  lines.push(failure.message);
  if (failure.expected !== undefined) {
    const expected = failure.expectedBytes === undefined
      ? failure.expected
      : previewBytes(failure.expectedBytes, { focus: failure.offset ?? 0 });
    lines.push(`  expected: ${expected}`);
  }
  if (failure.received !== undefined) {
    const received = failure.received;
    const preview = received.length === 0
      ? "nothing"
      : previewBytes(received, { focus: failure.offset ?? 0 });
    lines.push(`  received: ${preview}`);
    if (failure.offset !== undefined && received.length > 0) {
      const clippedStart = preview.startsWith("…");
      const column = clippedStart ? undefined : escapedOffset(received, failure.offset) + 1;
      if (column !== undefined && column < 200) {
        lines.push(`  ${" ".repeat(10 + column)}^ first difference at byte ${failure.offset}`);
      } else {
        lines.push(`            first difference at byte ${failure.offset}`);
      }
    }
  }
  lines.push(`  stopped after ${formatDuration(failed.duration)}: ${failure.reason}`);
  if (result.transcript.length > 0) {
    lines.push("transcript (ms since start; → sent, ← received):");
    for (const line of formatTranscript(result.transcript, maxTranscriptEvents)) {
      lines.push(`  ${line}`);
    }
    if (result.droppedEvents > 0) {
      lines.push(`  … ${result.droppedEvents} later events not recorded`);
    }
  }
  return lines;
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
 * await reporter.runFinished({ suites: [], invalid: [], passed: 1, failed: 0, skipped: 0, duration: 5 });
 * assert(out.trim().endsWith("1 passed, 0 failed"));
 * ```
 */
export class PrettyReporter implements Reporter {
  readonly #write: (text: string) => void;
  readonly #color: boolean;
  readonly #maxTranscriptEvents: number;

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

  /** Lists a file's problems. */
  invalidSuite(error: InvalidSuiteError): void {
    const count = error.issues.length;
    const lines = [
      `${this.#paint(bold, error.file)} ${
        this.#paint(red, `invalid: ${count} ${count === 1 ? "error" : "errors"}, not run`)
      }`,
      ...error.issues.map((issue) => `  ${formatIssue(issue)}`),
    ];
    this.#write(`${lines.join("\n")}\n\n`);
  }

  /** Prints the file and the suite's name. */
  suiteStarted(suite: Suite): void {
    this.#write(`${this.#paint(bold, suite.file)} ${this.#paint(dim, `(${suite.name})`)}\n`);
  }

  /** Prints a scenario's line, and its failure report when it failed. */
  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    const time = this.#paint(dim, `(${formatDuration(result.duration)})`);
    if (result.status === "passed") {
      this.#write(`  ${this.#paint(green, "✓")} ${result.name} ${time}\n`);
    } else if (result.status === "skipped") {
      this.#write(
        `  ${this.#paint(yellow, "-")} ${result.name} ${
          this.#paint(dim, result.note ? `(skipped: ${result.note})` : "(skipped)")
        }\n`,
      );
    } else {
      const report = formatFailure(suite.file, result, this.#maxTranscriptEvents)
        .map((line) => `      ${line}`).join("\n");
      this.#write(`  ${this.#paint(red, "✗")} ${result.name} ${time}\n${report}\n`);
    }
  }

  /** Separates suites. */
  suiteFinished(): void {
    this.#write("\n");
  }

  /** Prints invalid files and the `N passed, N failed` line. */
  runFinished(summary: RunSummary): void {
    const files = new Set(summary.invalid.map((issue) => issue.file)).size;
    if (files > 0) {
      this.#write(this.#paint(red, `${files} invalid ${files === 1 ? "file" : "files"} not run\n`));
    }
    const parts = [
      this.#paint(summary.passed > 0 ? green : (text: string) => text, `${summary.passed} passed`),
      this.#paint(summary.failed > 0 ? red : (text: string) => text, `${summary.failed} failed`),
    ];
    if (summary.skipped > 0) parts.push(this.#paint(yellow, `${summary.skipped} skipped`));
    this.#write(`${parts.join(", ")}\n`);
  }
}
