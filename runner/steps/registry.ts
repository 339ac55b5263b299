/**
 * Every action, listed once. Validation decodes steps with these specs,
 * running dispatches to them, and the docs' action table is made from them.
 * Adding an action is one file under `runner/steps/` and one line here.
 *
 * @module
 */

import { acceptAction } from "./accept.ts";
import type { ActionSpec, StepOutcome } from "./action.ts";
import { closeAction } from "./close.ts";
import { connectAction } from "./connect.ts";
import { exitAction } from "./exit.ts";
import { expectAction } from "./expect.ts";
import { includeAction } from "./include.ts";
import { listenAction } from "./listen.ts";
import { proxyAction } from "./proxy.ts";
import { repeatAction } from "./repeat.ts";
import { sendAction } from "./send.ts";
import { setAction } from "./set.ts";
import { sleepAction } from "./sleep.ts";
import { spawnAction } from "./spawn.ts";
import { startTlsAction } from "./starttls.ts";
import type { Step } from "../suite.ts";

/** Every action, in the order the docs list them. */
export const ACTION_SPECS: readonly ActionSpec[] = [
  connectAction,
  sendAction,
  expectAction,
  closeAction,
  startTlsAction,
  sleepAction,
  setAction,
  spawnAction,
  listenAction,
  acceptAction,
  proxyAction,
  exitAction,
  repeatAction,
  includeAction,
];

/** The action names. */
export const ACTION_NAMES: readonly string[] = ACTION_SPECS.map((spec) => spec.action);

/**
 * The spec of an action.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { actionSpec } from "./registry.ts";
 * assertEquals(actionSpec("send")?.shorthand, "text");
 * ```
 *
 * @param action The action's name.
 * @returns Its spec, or `undefined` for an unknown name.
 */
export function actionSpec(action: string): ActionSpec | undefined {
  return ACTION_SPECS.find((spec) => spec.action === action);
}

/**
 * Runs one step with its action's spec; a failure is thrown as a
 * `StepFailedError`.
 *
 * @param step The step.
 * @param context The scenario's state.
 * @returns What to show on a pass (a `repeat`'s latencies), if anything.
 */
export async function runAction(
  step: Step,
  context: Parameters<ActionSpec["run"]>[1],
): Promise<StepOutcome | undefined> {
  const spec = actionSpec(step.action);
  if (spec === undefined) throw new TypeError(`Unknown action "${step.action}"`);
  return (await spec.run(step, context)) ?? undefined;
}
