/**
 * `repeat`: run steps many times, some at once, and report the latencies.
 *
 * @module
 */

import { formatDuration } from "../duration.ts";
import type { StepFailure } from "../result.ts";
import type { Step } from "../suite.ts";
import { type StepContext, StepFailedError } from "./context.ts";
import {
  type ActionInput,
  type DecodeKit,
  describe,
  MAX_CONCURRENCY,
  MAX_REPEAT_TIMES,
  type ScenarioState,
  UNSCALED,
} from "../decode/kit.ts";
import type { ActionSpec, StepOutcome } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { described, DURATION, type JsonSchema, ref, wholeNumber } from "../decode/schema_types.ts";

/** `repeat`: run steps many times, some at once. */
export interface RepeatStep extends StepBase {
  /** The action. */
  readonly action: "repeat";
  /** How many iterations. */
  readonly times: number;
  /** How many run at once. */
  readonly concurrency: number;
  /** The steps of one iteration; `${i}` is its index. */
  readonly steps: readonly Step[];
  /** Fails the step when the 95th percentile of iteration times is higher (milliseconds). */
  readonly maxP95: number | undefined;
}

/**
 * The value below which `fraction` of the sorted values fall (nearest rank).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { percentile } from "./repeat.ts";
 * assertEquals(percentile([1, 2, 3, 4], 0.5), 2);
 * ```
 *
 * @param sorted Values in ascending order.
 * @param fraction From 0 to 1.
 * @returns The percentile, or 0 for no values.
 */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * Runs a `repeat` step: `times` iterations, at most `concurrency` at once,
 * each with its own connections and a copy of the variables with `${i}`.
 *
 * @param step The step.
 * @param context The scenario's state.
 * @returns A summary of the iterations and their latencies, and the figures.
 */
export async function runRepeat(step: RepeatStep, context: StepContext): Promise<StepOutcome> {
  const began = performance.now();
  const durations: number[] = [];
  const failures: { iteration: number; step: Step; failure: StepFailure }[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < step.times && !context.runSignal.aborted) {
      const iteration = next++;
      const channels = new Map(context.channels);
      const started = performance.now();
      try {
        const results = await context.runSteps(step.steps, {
          channels,
          variables: { ...context.variables, i: String(iteration) },
          transcript: context.transcript.scoped(`#${iteration}`),
        });
        const last = results.at(-1);
        if (last?.failure === undefined) durations.push(performance.now() - started);
        else failures.push({ iteration, step: last.step, failure: last.failure });
      } finally {
        // Connections are local to an iteration: close the ones it opened.
        const opened = [...channels].filter(([name, channel]) =>
          context.channels.get(name) !== channel
        );
        await Promise.allSettled(opened.map(([, channel]) => channel.close()));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(step.concurrency, step.times) }, worker));
  durations.sort((a, b) => a - b);
  const p95 = percentile(durations, 0.95);
  const summary = `${durations.length}/${step.times} iterations passed` +
    (durations.length === 0
      ? ""
      : `; latency p50 ${formatDuration(percentile(durations, 0.5))}, p95 ${
        formatDuration(p95)
      }, max ${formatDuration(durations.at(-1) ?? 0)}`);
  if (failures.length > 0) {
    failures.sort((a, b) => a.iteration - b.iteration);
    const first = failures[0]!;
    throw new StepFailedError({
      ...first.failure,
      message: `${summary}. Iteration ${first.iteration} failed: ${first.failure.message}`,
      trail: [{ step: first.step, iteration: first.iteration }, ...(first.failure.trail ?? [])],
    });
  }
  if (step.maxP95 !== undefined && p95 > step.maxP95) {
    throw new StepFailedError({
      reason: "mismatch",
      message: `${summary}; p95 ${formatDuration(p95)} is over the limit of ${
        formatDuration(step.maxP95)
      }`,
    });
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    note: summary,
    measures: {
      iterations: step.times,
      passed: durations.length,
      p50: percentile(durations, 0.5),
      p95,
      max: durations.at(-1) ?? 0,
      throughput: seconds > 0 ? durations.length / seconds : 0,
    },
  };
}

const REPEAT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  times: described(wholeNumber(MAX_REPEAT_TIMES), "How many times to run the steps"),
  concurrency: described(
    wholeNumber(MAX_CONCURRENCY),
    "How many iterations run at once (default: 1)",
  ),
  steps: described(
    { type: "array", minItems: 1, items: ref("step") },
    "The steps of one iteration; ${i} is its number",
  ),
  "max_p95": described(DURATION, "Fail when the 95th percentile of iteration times is above this"),
};
const REPEAT_KEYS = Object.keys(REPEAT_OPTIONS);

/** Decodes a `repeat` step as written. */
function decodeRepeat(input: ActionInput, kit: DecodeKit): RepeatStep | undefined {
  const { options, base, place, suite, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, REPEAT_KEYS, place, `"repeat"`);
  const times = kit.positiveInteger(
    options.times,
    kit.at(place, options, "times"),
    `"times"`,
    MAX_REPEAT_TIMES,
  );
  const concurrency = options.concurrency === undefined ? 1 : kit.positiveInteger(
    options.concurrency,
    kit.at(place, options, "concurrency"),
    `"concurrency"`,
    MAX_CONCURRENCY,
  );
  const maxP95 = options.max_p95 === undefined
    ? undefined
    : kit.duration(options.max_p95, kit.at(place, options, "max_p95"), `"max_p95"`, UNSCALED);
  if (!Array.isArray(options.steps) || options.steps.length === 0) {
    kit.problem(kit.at(place, options, "steps"), "wrong-type", {
      what: `"steps" of "repeat"`,
      expected: "a non-empty list",
      got: describe(options.steps),
    });
    return undefined;
  }
  // Each iteration has its own connections and variables; none leak out.
  const inner: ScenarioState = {
    open: new Map(state.open),
    defined: new Set([...state.defined, "i"]),
  };
  const steps = kit.steps(options.steps, place.scenario, suite, inner);
  if (times === undefined || concurrency === undefined || steps.length !== options.steps.length) {
    return undefined;
  }
  return { ...base, action: "repeat", times, concurrency, steps, maxP95, timeout: undefined };
}

/** The `repeat` action. */
export const repeatAction: ActionSpec<RepeatStep> = {
  action: "repeat",
  shorthand: "times",
  options: REPEAT_OPTIONS,
  summary: "Runs steps many times, some at once, and reports their latency.",
  decode: decodeRepeat,
  run: runRepeat,
};
