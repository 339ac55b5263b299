/**
 * Secrets never reach any output. Like CI systems masking secrets in logs,
 * every occurrence of a secret value in what a run reports (transcripts of
 * bytes sent and received, expected and received values, messages, command
 * lines, process output) is replaced with `***` before reporters see it.
 *
 * Secret values are those of environment variables whose names contain
 * `PASSWORD`, `SECRET`, `TOKEN` or `KEY` (any case; values of at least 4
 * characters, so that `KEYBOARD=us` does not mask every "us"), and of the
 * variables a suite lists under `secrets` (any length).
 *
 * @module
 */

import { indexOfBytes } from "./match/search.ts";
import type { ProcessReport, ScenarioResult, StepFailure, StepResult } from "./result.ts";
import type { TranscriptEvent } from "./transcript.ts";

/** What a secret becomes. */
export const MASK = "***";

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
/** The shortest environment value masked because of its variable's name. */
const MIN_ENV_SECRET = 4;

const encoder = new TextEncoder();
const maskBytes = encoder.encode(MASK);

/**
 * The values of environment variables whose names mark them as secret.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { secretsOfEnvironment } from "./mask.ts";
 * assertEquals(secretsOfEnvironment({ API_TOKEN: "s3cr3t", HOME: "/root", KEYMAP: "us" }), ["s3cr3t"]);
 * ```
 *
 * @param env The environment.
 * @returns The values to mask.
 */
export function secretsOfEnvironment(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length >= MIN_ENV_SECRET)
    .map(([, value]) => value);
}

/**
 * Replaces secret values with `***` in texts, bytes and results.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SecretMask } from "./mask.ts";
 * const mask = new SecretMask(["hunter2"]);
 * assertEquals(mask.text("password: hunter2"), "password: ***");
 * ```
 */
export class SecretMask {
  #texts: readonly string[] = [];
  #bytes: readonly Uint8Array[] = [];

  /**
   * Creates a mask.
   *
   * @param secrets The values to hide; empty ones are ignored.
   */
  constructor(secrets: Iterable<string> = []) {
    this.add(secrets);
  }

  /**
   * Hides more values, e.g. a suite's secret variables once their values are known.
   *
   * @param secrets The values to hide; empty ones are ignored.
   */
  add(secrets: Iterable<string>): void {
    // Longest first, so that a secret containing another is masked whole.
    this.#texts = [...new Set([...this.#texts, ...secrets])]
      .filter((secret) => secret.length > 0)
      .sort((a, b) => b.length - a.length);
    this.#bytes = this.#texts.map((secret) => encoder.encode(secret));
  }

  /** Whether there is anything to mask. */
  get empty(): boolean {
    return this.#texts.length === 0;
  }

  /**
   * Masks a text.
   *
   * @param text The text.
   * @returns The text with every secret replaced.
   */
  text(text: string): string {
    let out = text;
    for (const secret of this.#texts) out = out.replaceAll(secret, MASK);
    return out;
  }

  /**
   * Masks bytes.
   *
   * @param bytes The bytes.
   * @returns The same bytes when they hold no secret, else a masked copy.
   */
  bytes(bytes: Uint8Array): Uint8Array {
    let out = bytes;
    for (const secret of this.#bytes) {
      let at = indexOfBytes(out, secret);
      if (at === -1) continue;
      const parts: Uint8Array[] = [];
      let from = 0;
      while (at !== -1) {
        parts.push(out.subarray(from, at), maskBytes);
        from = at + secret.length;
        at = indexOfBytes(out, secret, from);
      }
      parts.push(out.subarray(from));
      const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      out = joined;
    }
    return out;
  }

  /**
   * Masks a failure's message, expected and received values.
   *
   * @param failure The failure.
   * @returns The masked failure.
   */
  failure(failure: StepFailure): StepFailure {
    if (this.empty) return failure;
    const masked: Record<string, unknown> = { ...failure, message: this.text(failure.message) };
    if (failure.expected !== undefined) masked.expected = this.text(failure.expected);
    if (failure.expectedBytes !== undefined) {
      masked.expectedBytes = this.bytes(failure.expectedBytes);
    }
    if (failure.received !== undefined) masked.received = this.bytes(failure.received);
    return masked as unknown as StepFailure;
  }

  /**
   * Masks a transcript event.
   *
   * @param event The event.
   * @returns The masked event.
   */
  event(event: TranscriptEvent): TranscriptEvent {
    if (this.empty) return event;
    return {
      ...event,
      ...(event.bytes === undefined ? {} : { bytes: this.bytes(event.bytes) }),
      ...(event.detail === undefined ? {} : { detail: this.text(event.detail) }),
    };
  }

  /**
   * Masks everything a scenario's result shows.
   *
   * @param result The result.
   * @returns The masked result.
   */
  result(result: ScenarioResult): ScenarioResult {
    if (this.empty) return result;
    const process = (report: ProcessReport): ProcessReport => ({
      ...report,
      command: this.text(report.command),
      stdout: this.text(report.stdout),
      stderr: this.text(report.stderr),
    });
    const step = (entry: StepResult): StepResult => ({
      ...entry,
      ...(entry.failure === undefined ? {} : { failure: this.failure(entry.failure) }),
      ...(entry.note === undefined ? {} : { note: this.text(entry.note) }),
    });
    return {
      ...result,
      ...(result.note === undefined ? {} : { note: this.text(result.note) }),
      steps: result.steps.map(step),
      transcript: result.transcript.map((event) => this.event(event)),
      processes: result.processes.map(process),
    };
  }
}
