/**
 * What a step handler gets: the scenario's channels and variables, the
 * step's deadline and the transcript.
 *
 * @module
 */

import { decodeBase64 } from "@std/encoding/base64";
import { decodeHex } from "@std/encoding/hex";
import type { Channel } from "../channels/channel.ts";
import { formatDuration } from "../duration.ts";
import { escapeRegex, interpolate } from "../interpolate.ts";
import type { RunningProcess } from "../process.ts";
import type { StepFailure, StepResult } from "../result.ts";
import type { FieldSpec, Payload, ProcessLimits, Step, TlsSpec } from "../suite.ts";
import { encodeFields, type Field } from "../fields.ts";
import { parseHexPattern } from "../match/bytes.ts";
import type { Transcript } from "../transcript.ts";

export { type Address, parseAddress } from "../address.ts";
import type { Address } from "../address.ts";

/** The channels, variables and transcript a sequence of steps shares. */
export interface StepScope {
  /** Open channels by name. */
  readonly channels: Map<string, Channel>;
  /** Variables by name: suite vars, `set`, captures, host and port. */
  readonly variables: Record<string, string>;
  /** What crossed the channels. */
  readonly transcript: Transcript;
}

/** What filling in `${…}` needs: the variables and the environment. */
export type FillScope = Pick<StepContext, "variables" | "env">;

/** The state one scenario's steps share. */
export interface StepContext extends StepScope {
  /** The folder relative paths start from (the suite file's). */
  readonly dir: string;
  /** Processes the scenario started, for reports. */
  readonly processes: RunningProcess[];
  /** Limits for a spawned process whose step sets none. */
  readonly defaultLimits?: ProcessLimits | undefined;
  /** The suite's TLS options, for TLS connections whose step sets none. */
  readonly tls?: TlsSpec | undefined;
  /**
   * Runs nested steps (of `include` or `repeat`) in a scope, in order,
   * stopping at the first failure.
   */
  readonly runSteps: (steps: readonly Step[], scope: StepScope) => Promise<StepResult[]>;
  /** The default address of `connect`, from the suite's server or target. */
  readonly address: Address | undefined;
  /** The most unread bytes a connection may hold. */
  readonly maxBuffer: number;
  /** Aborts when the run is cancelled. */
  readonly runSignal: AbortSignal;
  /** Aborts when the step's deadline passes or the run is cancelled. */
  readonly signal: AbortSignal;
  /** The step's timeout in milliseconds, already scaled. */
  readonly timeout: number;
  /** Looks up `${env.NAME}`. */
  readonly env: (name: string) => string | undefined;
}

/** A step that did not pass; carries the report. */
export class StepFailedError extends Error {
  /** What went wrong. */
  readonly failure: StepFailure;

  /**
   * Creates the error.
   *
   * @param failure What went wrong.
   * @param options The underlying error.
   */
  constructor(failure: StepFailure, options?: ErrorOptions) {
    super(failure.message, options);
    this.name = "StepFailedError";
    this.failure = failure;
  }

  /**
   * A step that could not do its work (reason `error`), for an error thrown
   * by what it called: its message is the step's.
   *
   * @param channel The channel the step was about.
   * @param error What was thrown.
   * @returns The error to throw.
   */
  static of(channel: string, error: unknown): StepFailedError {
    const message = error instanceof Error ? error.message : String(error);
    return new StepFailedError({ reason: "error", channel, message }, { cause: error });
  }

  /**
   * A step that could not set the stage (reason `setup`): a command that
   * cannot be run, a folder that is missing. Its scenario's status is
   * `error`, not `failed`: the grader's problem, not what is tested.
   *
   * @param channel The channel the step was about.
   * @param error What was thrown.
   * @returns The error to throw.
   */
  static setup(channel: string, error: unknown): StepFailedError {
    const message = error instanceof Error ? error.message : String(error);
    return new StepFailedError({ reason: "setup", channel, message }, { cause: error });
  }
}

const encoder = new TextEncoder();

/**
 * Fills in a template with the scenario's variables.
 *
 * @param context The step's context.
 * @param template The text.
 * @param regex Whether values are escaped for a regex.
 * @returns The text with every `${…}` replaced.
 * @throws {StepFailedError} When a variable is undefined.
 */
export function fill(context: FillScope, template: string, regex = false): string {
  try {
    return interpolate(template, context.variables, {
      env: context.env,
      ...(regex ? { escape: escapeRegex } : {}),
    });
  } catch (error) {
    throw new StepFailedError({ reason: "error", message: (error as Error).message }, {
      cause: error,
    });
  }
}

/**
 * The bytes a payload stands for, after interpolation.
 *
 * @param context The step's context.
 * @param payload Text, hex or base64.
 * @returns The bytes.
 */
export function payloadBytes(context: FillScope, payload: Payload): Uint8Array {
  if (payload.encoding === "fields") {
    try {
      return encodeFields(fillFields(context, payload.fields));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new StepFailedError({ reason: "error", message: error.message }, { cause: error });
    }
  }
  const value = fill(context, payload.value);
  try {
    switch (payload.encoding) {
      case "text":
        return encoder.encode(value);
      case "hex":
        return decodeHex(value.replace(/\s+/g, ""));
      case "base64":
        return decodeBase64(value.replace(/\s+/g, ""));
    }
  } catch (error) {
    throw new StepFailedError({
      reason: "error",
      message: `Invalid ${payload.encoding} "${value}": ${(error as Error).message}`,
    }, { cause: error });
  }
}

/**
 * Fills in fields' variables: an integer from `${…}` must be a whole number,
 * hex must be hex (with `??`).
 *
 * @param context The step's context.
 * @param specs The fields as written.
 * @returns The fields, ready to encode or match.
 * @throws {StepFailedError} When a filled-in value is not what its field takes.
 */
export function fillFields(context: FillScope, specs: readonly FieldSpec[]): Field[] {
  return specs.map((spec, index): Field => {
    switch (spec.kind) {
      case "int": {
        if (typeof spec.value === "number") {
          return { kind: "int", type: spec.type, expected: spec.value, capture: undefined };
        }
        if (!spec.value.includes("${")) {
          return { kind: "int", type: spec.type, expected: undefined, capture: spec.value };
        }
        const text = fill(context, spec.value);
        const value = Number(text);
        if (text.trim() === "" || !Number.isInteger(value)) {
          throw new StepFailedError({
            reason: "error",
            message: `Field ${index + 1} (${spec.type}) is "${text}", not a whole number`,
          });
        }
        return { kind: "int", type: spec.type, expected: value, capture: undefined };
      }
      case "hex": {
        const text = fill(context, spec.value);
        try {
          return { kind: "pattern", label: "hex", pattern: parseHexPattern(text) };
        } catch (error) {
          throw new StepFailedError({
            reason: "error",
            message: `Field ${index + 1}: ${(error as Error).message}`,
          }, { cause: error });
        }
      }
      case "text":
        return {
          kind: "pattern",
          label: "text",
          pattern: { bytes: encoder.encode(fill(context, spec.value)), any: undefined },
        };
      case "bytes":
      case "skip":
        return spec;
    }
  });
}

/**
 * The failure for a wait that ended without what it waited for: the run was
 * cancelled, or the step's time ran out.
 *
 * @param context The step's context.
 * @param channel The channel it waited on.
 * @param what What it waited for, e.g. `a client to connect to "srv"`.
 * @param details More for the report (expected, received).
 * @returns The error to throw.
 */
export function waitTimedOut(
  context: StepContext,
  channel: string,
  what: string,
  details: Partial<StepFailure> = {},
): StepFailedError {
  if (context.runSignal.aborted) {
    return new StepFailedError({ reason: "aborted", channel, message: "Run cancelled" });
  }
  return new StepFailedError({
    ...details,
    reason: "timeout",
    channel,
    message: `Timed out after ${formatDuration(context.timeout)} waiting for ${what}`,
  });
}

/**
 * The open channel a step names.
 *
 * @param context The step's context.
 * @param name The channel's name.
 * @returns The channel.
 * @throws {StepFailedError} When it is not open.
 */
export function channelNamed(context: StepContext, name: string): Channel {
  const channel = context.channels.get(name);
  if (channel === undefined) {
    throw new StepFailedError({
      reason: "error",
      channel: name,
      message: `Connection "${name}" is not open`,
    });
  }
  return channel;
}
