/**
 * Regexes as scenarios write them.
 *
 * @module
 */

/**
 * Compiles a scenario regex: Unicode-aware when the pattern allows it, else
 * in the lenient mode that accepts escapes like `\-` that other languages allow.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { compileRegex } from "./regex.ts";
 * assert(compileRegex("^\\[(?<who>\\w+)\\]").test("[bob] hi"));
 * ```
 *
 * @param pattern The regex source.
 * @returns The compiled regex.
 * @throws {SyntaxError} When the pattern is not a valid regex.
 */
export function compileRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern, "u");
  } catch {
    try {
      return new RegExp(pattern);
    } catch (error) {
      const detail = error instanceof Error
        ? error.message.replace(/^Invalid regular expression: /, "")
        : "";
      throw new SyntaxError(`Invalid regex "${pattern}": ${detail}`, { cause: error });
    }
  }
}

/**
 * Lists the named groups of a regex source, which become variables.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { groupNames } from "./regex.ts";
 * assert(groupNames("(?<who>\\w+) (?<what>.*)").join() === "who,what");
 * ```
 *
 * @param pattern The regex source.
 * @returns The group names, in order.
 */
export function groupNames(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((match) => match[1]!);
}

/**
 * Collects the named groups that took part in a match.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { captures } from "./regex.ts";
 * assert(captures(/(?<a>x)/.exec("x"))?.a === "x");
 * ```
 *
 * @param match A regex match.
 * @returns The captured values by name.
 */
export function captures(match: RegExpExecArray | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(match?.groups ?? {})) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}
