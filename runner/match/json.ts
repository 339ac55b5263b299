/**
 * JSON containment: objects match as subsets, arrays and scalars exactly.
 *
 * @module
 */

/**
 * Tells whether `actual` contains `expected`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { jsonContains } from "./json.ts";
 * assert(jsonContains({ ok: true, id: 7 }, { ok: true }));
 * assert(!jsonContains([1, 2, 3], [1, 2]));
 * ```
 *
 * @param actual The parsed JSON received.
 * @param expected The value it must contain.
 * @returns Whether it does.
 */
export function jsonContains(actual: unknown, expected: unknown): boolean {
  return jsonDifference(actual, expected) === undefined;
}

/**
 * Describes where `actual` first fails to contain `expected`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { jsonDifference } from "./json.ts";
 * assert(jsonDifference({ a: { b: 1 } }, { a: { b: 2 } }) === `at "a.b": expected 2, got 1`);
 * ```
 *
 * @param actual The parsed JSON received.
 * @param expected The value it must contain.
 * @param path Where in the document this is.
 * @returns `undefined` when it contains it, else why not.
 */
export function jsonDifference(actual: unknown, expected: unknown, path = ""): string | undefined {
  const at = path === "" ? "" : `at "${path}": `;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) {
      return `${at}expected ${expected.length} items, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const inner = jsonDifference(actual[i], expected[i], path === "" ? `${i}` : `${path}.${i}`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) {
      return `${at}expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      const inner = path === "" ? key : `${path}.${key}`;
      if (!Object.hasOwn(actual, key)) return `missing key "${inner}"`;
      const difference = jsonDifference((actual as Record<string, unknown>)[key], value, inner);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return Object.is(actual, expected) || actual === expected
    ? undefined
    : `${at}expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
