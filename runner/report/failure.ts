/**
 * The failure report: where the step is, the step as written, why it
 * stopped, expected against received, the transcript and what the processes
 * involved printed. Shared by every text reporter.
 *
 * @module
 */

import { hexDump, isBinary } from "../hex_dump.ts";
import { clipText } from "../clip.ts";
import { formatDuration } from "../duration.ts";

/** The most characters shown of one line of a process's output. */
const MAX_OUTPUT_LINE = 200;
import type { ProcessReport, ScenarioResult, StepResult } from "../result.ts";
import type { TranscriptEvent } from "../transcript.ts";
import { escapedOffset, previewBytes, previewExpected, previewReceived } from "./format.ts";

/** Options for {@linkcode formatFailure}. */
export interface FailureFormatOptions {
  /**
   * The most transcript events shown; the middle of longer ones is elided.
   *
   * @default {60}
   */
  maxTranscriptEvents?: number;
  /**
   * Whether to name the suite file and line (off for students, who see the
   * step as written but not the grader's files).
   *
   * @default {true}
   */
  location?: boolean;
  /**
   * The most lines shown of each process output.
   *
   * @default {20}
   */
  maxOutputLines?: number;
}

/**
 * Formats a transcript for people, clipped to `max` events.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatTranscript } from "./failure.ts";
 * const lines = formatTranscript([{ at: 1.5, channel: "main", kind: "send", bytes: new TextEncoder().encode("hi\n"), size: 3 }]);
 * assert(lines[0]?.includes(`→ "hi\\n"`));
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
    const detail = event.detail === undefined ? "" : ` (${event.detail})`;
    switch (event.kind) {
      case "send":
        return `${time}  ${channel}  → ${payload}${detail}`;
      case "receive":
        return `${time}  ${channel}  ← ${payload}${detail}`;
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
 * import { formatFailure } from "./failure.ts";
 * const text = formatFailure("a.yaml", result).join("\n");
 * ```
 *
 * @param file The suite's file.
 * @param result The failed scenario.
 * @param options Transcript size, whether to name files, output size.
 * @returns The report's lines, unindented.
 */
export function formatFailure(
  file: string,
  result: ScenarioResult,
  options: FailureFormatOptions = {},
): string[] {
  const maxTranscriptEvents = options.maxTranscriptEvents ?? 60;
  const showLocation = options.location ?? true;
  const failed: StepResult | undefined = result.steps.at(-1);
  if (failed === undefined || failed.failure === undefined) {
    return [
      ...(result.note === undefined ? [] : [result.note]),
      ...formatProcesses(result.processes, options.maxOutputLines ?? 20),
    ];
  }
  const { step, failure } = failed;
  const lines: string[] = [];
  const where = (line: number | undefined, stepFile: string | undefined): string =>
    showLocation
      ? ` ${line === undefined ? stepFile ?? file : `${stepFile ?? file}:${line}`},`
      : "";
  lines.push(`at${where(step.line, step.file)} step ${step.number} of ${result.stepCount}:`);
  for (const source of step.source.split("\n")) lines.push(`  ${source}`);
  for (const { step: inner, iteration } of failure.trail ?? []) {
    const scope = iteration === undefined ? "" : ` iteration ${iteration},`;
    lines.push(`in${scope}${where(inner.line, inner.file)} step ${inner.number}:`);
    for (const source of inner.source.split("\n")) lines.push(`  ${source}`);
  }
  lines.push(failure.message);
  if (failure.expected !== undefined) {
    lines.push(`  expected: ${previewExpected(failure) ?? failure.expected}`);
  }
  if (failure.received !== undefined && isBinary(failure.received)) {
    // Binary reads better as a dump: offsets, hex, ASCII, the first difference marked.
    const start = failure.receivedStart ?? 0;
    lines.push(`  received: ${failure.receivedSize ?? failure.received.length} bytes`);
    const mark = failure.offset === undefined || failure.received.length === 0
      ? undefined
      : Math.min(failure.offset, start + failure.received.length - 1);
    for (
      const row of hexDump(failure.received, { start, ...(mark === undefined ? {} : { mark }) })
    ) {
      lines.push(`    ${row}`);
    }
  } else if (failure.received !== undefined) {
    const received = failure.received;
    const preview = previewReceived(failure);
    lines.push(`  received: ${preview}`);
    if (failure.offset !== undefined && received.length > 0) {
      const clippedStart = preview.startsWith("…");
      const column = clippedStart
        ? undefined
        : escapedOffset(received, failure.offset - (failure.receivedStart ?? 0)) + 1;
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
  }
  lines.push(...formatProcesses(result.processes, options.maxOutputLines ?? 20));
  return lines;
}

/**
 * Formats what processes printed: command, status, and the last lines of
 * stdout and stderr.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatProcesses } from "./failure.ts";
 * const lines = formatProcesses([{ name: "client", command: "python3 c.py", status: "exited with code 1", stdout: "", stderr: "Boom\n" }]);
 * assertEquals(lines, ["client: python3 c.py (exited with code 1)", "  stdout: (nothing)", "  stderr:", "    Boom"]);
 * ```
 *
 * @param processes The processes.
 * @param maxLines The most lines shown of each output.
 * @returns The lines.
 */
export function formatProcesses(processes: readonly ProcessReport[], maxLines = 20): string[] {
  const lines: string[] = [];
  for (const process of processes) {
    lines.push(`${process.name}: ${process.command} (${process.status})`);
    for (const stream of ["stdout", "stderr"] as const) {
      const text = process[stream].replace(/\n$/, "");
      if (text === "") {
        lines.push(`  ${stream}: (nothing)`);
        continue;
      }
      const all = text.split("\n");
      const shown = all.slice(-maxLines);
      const size = process[`${stream}Size`];
      lines.push(
        `  ${stream}${
          size !== undefined
            ? ` (last ${shown.length} lines of ${size} bytes)`
            : all.length > shown.length
            ? ` (last ${shown.length} of ${all.length} lines)`
            : ""
        }:`,
      );
      for (const line of shown) lines.push(`    ${clipText(line, MAX_OUTPUT_LINE)}`);
    }
  }
  return lines;
}
