/**
 * Durations as scenarios write them: `150ms`, `2s`, `1.5m`.
 *
 * @module
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration a scenario or flag may give: 24 hours. Timers hold at
 * most 2^31-1 ms and fire at once beyond it, so longer values are refused
 * instead of silently wrapping.
 */
export const MAX_DURATION = 24 * 3_600_000;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/**
 * Converts a duration string to milliseconds.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseDuration } from "./duration.ts";
 * assert(parseDuration("150ms") === 150);
 * assert(parseDuration("2s") === 2000);
 * ```
 *
 * @param text A number followed by `ms`, `s`, `m` or `h`.
 * @returns The duration in milliseconds.
 * @throws {RangeError} When the text is not a duration, or is longer than 24 hours.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `Invalid duration "${text}": expected a number with a unit (ms, s, m, h), like "150ms" or "2s"`,
    );
  }
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  if (!(ms <= MAX_DURATION)) {
    throw new RangeError(`Invalid duration "${text}": at most 24h`);
  }
  return ms;
}

/**
 * Formats milliseconds for people: `850ms`, `1.25s`, `2m5s`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatDuration } from "./duration.ts";
 * assert(formatDuration(1250) === "1.25s");
 * ```
 *
 * @param ms The duration in milliseconds.
 * @returns A short human-readable form.
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(2))}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms % 60_000) / 1_000)}s`;
}
