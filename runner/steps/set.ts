/**
 * `set`: define variables for later steps.
 *
 * @module
 */

import type { SetStep } from "../suite.ts";
import { fill, type StepContext } from "./context.ts";

/**
 * Runs a `set` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export function runSet(step: SetStep, context: StepContext): Promise<void> {
  for (const [name, template] of Object.entries(step.variables)) {
    context.variables[name] = fill(context, template);
  }
  return Promise.resolve();
}
