/**
 * What an action is: its name, its keys and shorthand, its decoder and its
 * runner, in one spec object per file under `runner/steps/`. The registry
 * lists the specs; validation, running and `--list` read it.
 *
 * @module
 */

import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { JsonSchema } from "../decode/schema_types.ts";
import type { RepeatMeasures } from "../result.ts";
import type { Step } from "../suite.ts";
import type { StepContext } from "./context.ts";

/** What a step that passed has to show: a note, and a `repeat`'s figures. */
export interface StepOutcome {
  /** A summary worth showing on a pass (a `repeat`'s latencies). */
  readonly note: string;
  /** A `repeat`'s figures, for leaderboards. */
  readonly measures?: RepeatMeasures;
}

/** One action, whole. */
export interface ActionSpec<S extends Step = Step> {
  /** The action's key: `connect`, `send`, … */
  readonly action: S["action"];
  /**
   * The option a bare value stands for (`connect: alice` is
   * `connect: { as: alice }`); `undefined` when the value is the options
   * themselves (`set`).
   */
  readonly shorthand: string | undefined;
  /** The options it takes, each with its JSON Schema (for editors). */
  readonly options: Readonly<Record<string, JsonSchema>>;
  /**
   * The schema of the action's value, when it is not its options (`set`
   * takes a mapping of variables).
   */
  readonly value?: JsonSchema;
  /** What it does, in a sentence, for the docs. */
  readonly summary: string;
  /**
   * Decodes a step as written into a typed step, recording every problem
   * with the kit; `undefined` when it is invalid.
   *
   * @param input The step's options, place and the scenario so far.
   * @param kit The shared checks.
   * @returns The step.
   */
  decode(input: ActionInput, kit: DecodeKit): S | undefined;
  /**
   * Runs the step; a failure is thrown as a `StepFailedError`.
   *
   * @param step The step.
   * @param context The scenario's state.
   * @returns What to show on a pass (a `repeat`'s latencies), if anything.
   */
  run(step: S, context: StepContext): Promise<StepOutcome | void>;
}
