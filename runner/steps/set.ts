/**
 * `set`: define variables for later steps.
 *
 * @module
 */

import { fill, type StepContext } from "./context.ts";
import { type ActionInput, type DecodeKit, isRecord } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { described, TEXT_MAP } from "../decode/schema_types.ts";

/** `set`: define variables for later steps. */
export interface SetStep extends StepBase {
  /** The action. */
  readonly action: "set";
  /** Names and templates. */
  readonly variables: Readonly<Record<string, string>>;
}

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

/** Decodes a `set` step as written. */
function decodeSet(input: ActionInput, kit: DecodeKit): SetStep | undefined {
  const { value, siblings, base, place, state } = input;
  const variables = isRecord(value) && Object.keys(value).length === 0 ? undefined : kit.textMap(
    value,
    place,
    { key: "set", entry: "variable", variables: true },
    state.defined,
  );
  if (variables === undefined) {
    if (isRecord(value)) {
      kit.problem(place, "wrong-type", {
        what: `"set"`,
        expected: "a mapping of names to values",
        got: "an empty mapping",
      });
    }
    return undefined;
  }
  kit.checkKeys(siblings, [], place, `"set"`);
  for (const name of Object.keys(variables)) state.defined.add(name);
  return { ...base, action: "set", variables, timeout: undefined };
}

/** The `set` action. */
export const setAction: ActionSpec<SetStep> = {
  action: "set",
  shorthand: undefined,
  options: {},
  value: described(
    { ...TEXT_MAP, minProperties: 1 },
    "Variables for later steps; values may use ${…}",
  ),
  summary: "Defines variables for later steps.",
  decode: decodeSet,
  run: runSet,
};
