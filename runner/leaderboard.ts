/**
 * Leaderboards: a scenario ranks students by a figure of its `repeat` step
 * (a latency percentile, the slowest iteration, or the throughput), as
 * Gradescope's leaderboard shows it.
 *
 * @module
 */

import type { LeaderboardEntry, RepeatMeasures } from "./result.ts";
import type { LeaderboardSpec } from "./suite.ts";

/** The figures a leaderboard may rank by. */
export const LEADERBOARD_VALUES: readonly LeaderboardSpec["value"][] = [
  "p50",
  "p95",
  "max",
  "throughput",
];

/**
 * The order that ranks a figure best first when none is given: lower
 * latencies, higher throughput.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { defaultOrder } from "./leaderboard.ts";
 * assertEquals(defaultOrder("p95"), "asc");
 * assertEquals(defaultOrder("throughput"), "desc");
 * ```
 *
 * @param value The figure.
 * @returns `asc` or `desc`.
 */
export function defaultOrder(value: LeaderboardSpec["value"]): "asc" | "desc" {
  return value === "throughput" ? "desc" : "asc";
}

/**
 * A scenario's leaderboard entry, from its `repeat` step's figures. Only a
 * repeat whose every iteration passed is ranked: a fast wrong answer
 * earns no place.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { leaderboardEntry } from "./leaderboard.ts";
 * const measures = { iterations: 10, passed: 10, p50: 1.234, p95: 2, max: 3, throughput: 812.5 };
 * assertEquals(
 *   leaderboardEntry({ name: "Median", value: "p50", order: "asc" }, measures),
 *   { name: "Median", value: 1.23, order: "asc" },
 * );
 * assertEquals(leaderboardEntry({ name: "Median", value: "p50", order: "asc" }, undefined), undefined);
 * ```
 *
 * @param spec The scenario's `leaderboard`.
 * @param measures What its `repeat` step measured, if it ran to the end.
 * @returns The entry, or `undefined` when its repeat did not pass whole.
 */
export function leaderboardEntry(
  spec: LeaderboardSpec,
  measures: RepeatMeasures | undefined,
): LeaderboardEntry | undefined {
  if (measures === undefined || measures.passed !== measures.iterations) return undefined;
  return {
    name: spec.name,
    value: Math.round(measures[spec.value] * 100) / 100,
    order: spec.order,
  };
}
