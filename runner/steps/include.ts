/**
 * `include`: a fragment's steps, run in the scenario's own scope after its
 * variables are set.
 *
 * @module
 */

import { fill, type StepContext, StepFailedError } from "./context.ts";
import type { ActionSpec } from "./action.ts";
import type { Step, StepBase } from "../suite.ts";
import { described, TEXT_MAP } from "../decode/schema_types.ts";

/** `include`: the steps of a fragment file, with variables set first. */
export interface IncludeStep extends StepBase {
  /** The action. */
  readonly action: "include";
  /** The fragment file, as written. */
  readonly path: string;
  /** Variables set before its steps, before interpolation. */
  readonly variables: Readonly<Record<string, string>>;
  /** The fragment's steps. */
  readonly steps: readonly Step[];
}

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

/** The `include` action: its fragment is read and validated with the suite. */
export const includeAction: ActionSpec<IncludeStep> = {
  action: "include",
  shorthand: "file",
  options: {
    file: described({ type: "string" }, "The fragment file, relative to this one"),
    vars: described(TEXT_MAP, "Variables for the fragment"),
  },
  summary: "Runs the steps of a fragment file, with variables of its own.",
  decode: (input, kit) => kit.include(input) as IncludeStep | undefined,
  run: runInclude,
};
