/**
 * `include`: a fragment's steps, run in the scenario's own scope after its
 * variables are set.
 *
 * @module
 */

import type { IncludeStep } from "../suite.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs an `include` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runInclude(step: IncludeStep, context: StepContext): Promise<void> {
  for (const [name, template] of Object.entries(step.variables)) {
    context.variables[name] = fill(context, template);
  }
  const results = await context.runSteps(step.steps, context);
  const last = results.at(-1);
  if (last?.failure !== undefined) {
    throw new StepFailedError({
      ...last.failure,
      trail: [{ step: last.step }, ...(last.failure.trail ?? [])],
    });
  }
}
