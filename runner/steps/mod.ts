/**
 * Running steps: each action's spec, listed once in the registry, runs its
 * own steps.
 *
 * @module
 */

import type { Step } from "../suite.ts";
import type { StepContext } from "./context.ts";
import { runAction } from "./registry.ts";

export {
  type Address,
  parseAddress,
  type StepContext,
  StepFailedError,
  type StepScope,
} from "./context.ts";
export { invocation, type ProgramInvocation } from "./spawn.ts";

/**
 * Runs one step; a failure is thrown as a {@linkcode StepFailedError}.
 *
 * @param step The step.
 * @param context The scenario's state.
 * @returns A note worth showing on a pass (a `repeat`'s latencies), if any.
 */
export function runStep(step: Step, context: StepContext): Promise<string | undefined> {
  return runAction(step, context);
}
