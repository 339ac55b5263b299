/**
 * `exit`: wait for a spawned process to exit with a code.
 *
 * @module
 */

import { untilAborted } from "../channels/channel.ts";
import { ProcessChannel } from "../channels/process.ts";
import { describeExit } from "../process.ts";
import { channelNamed, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";
import { type ActionInput, type DecodeKit, describe } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { CONNECTION_NAME, described, DURATION, type JsonSchema } from "../decode/schema_types.ts";

/** `exit`: wait for a spawned process to exit with a code. */
export interface ExitStep extends StepBase {
  /** The action. */
  readonly action: "exit";
  /** The process's channel name. */
  readonly on: string;
  /** The exit code it must end with. */
  readonly code: number;
}

/**
 * Runs an `exit` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runExit(step: ExitStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  if (!(channel instanceof ProcessChannel)) {
    throw new StepFailedError({
      reason: "error",
      channel: step.on,
      message: `"${step.on}" is not a process`,
    });
  }
  const exit = await untilAborted(channel.process.exited, context.signal);
  if (exit === undefined) {
    throw waitTimedOut(context, step.on, `"${step.on}" to exit; it is still running`);
  }
  if (exit.code !== step.code || exit.signal !== null) {
    throw new StepFailedError({
      reason: "mismatch",
      channel: step.on,
      message: `Expected "${step.on}" to exit with code ${step.code}, but it ${describeExit(exit)}`,
    });
  }
}

const EXIT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to use (default: main)"),
  code: described(
    { type: "integer", minimum: 0, maximum: 255 },
    "The exit code expected (default: 0)",
  ),
  timeout: described(
    DURATION,
    "How long the step may wait (default: the scenario's or suite's timeout)",
  ),
};
const EXIT_KEYS = Object.keys(EXIT_OPTIONS);

/** Decodes a `exit` step as written. */
function decodeExit(input: ActionInput, kit: DecodeKit): ExitStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, EXIT_KEYS, place, `"exit"`);
  const on = kit.on(options, place, state);
  if (on !== undefined && on.kind !== "process") {
    kit.problem(place, "does-not-apply", {
      what: `"exit"`,
      applies: "spawned processes",
      name: on.name,
      is: "a connection",
    });
  }
  const code = options.code === undefined ? 0 : options.code;
  if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255) {
    kit.problem(kit.at(place, options, "code"), "wrong-type", {
      what: `"code"`,
      expected: "an exit code from 0 to 255",
      got: describe(code),
    });
    return undefined;
  }
  const timeout = kit.timeout(options, place);
  if (on === undefined) return undefined;
  // Its remaining output can still be read after it exits.
  return { ...base, action: "exit", on: on.name, code, timeout };
}

/** The `exit` action. */
export const exitAction: ActionSpec<ExitStep> = {
  action: "exit",
  shorthand: "code",
  options: EXIT_OPTIONS,
  summary: "Waits for a spawned process to exit with a code.",
  decode: decodeExit,
  run: runExit,
};
