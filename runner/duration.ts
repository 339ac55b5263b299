/**
 * Durations as scenarios write them: `150ms`, `2s`, `1.5m`.
 *
 * @module
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
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
 * @throws {RangeError} When the text is not a duration.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `Invalid duration "${text}": expected a number with a unit (ms, s, m, h), like "150ms" or "2s"`,
    );
  }
  return Number(match[1]) * UNITS[match[2]];
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
