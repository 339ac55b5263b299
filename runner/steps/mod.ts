/**
 * Running steps: each action's spec, listed once in the registry, runs its
 * own steps.
 *
 * @module
 */

import type { Step } from "../suite.ts";
import type { StepOutcome } from "./action.ts";
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
 * @returns What to show on a pass (a `repeat`'s latencies), if anything.
 */
export function runStep(step: Step, context: StepContext): Promise<StepOutcome | undefined> {
  return runAction(step, context);
}
