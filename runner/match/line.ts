/**
 * Line matching: a line runs through `\n`, and a `\r` before it is dropped.
 *
 * @module
 */

import { jsonDifference } from "./json.ts";
import { captures, compileRegex } from "./regex.ts";
import type { RegexLike } from "./regex_guard.ts";
import {
  type Captures,
  decodeText,
  INCOMPLETE,
  matched,
  type Matcher,
  type MatchResult,
  mismatch,
} from "./result.ts";

/** What a {@linkcode LineTest} says about one line. */
export type LineVerdict =
  | { readonly ok: true; readonly captures: Captures }
  | { readonly ok: false; readonly offset: number; readonly reason: string };

/** A test of one complete line (without its line ending). */
export interface LineTest {
  /** What it expects, for messages. */
  readonly description: string;
  /** Tests a complete line. */
  test(line: Uint8Array): LineVerdict;
  /**
   * For failing fast: the offset of the first byte of an unterminated line
   * that rules out a match, or `undefined` while it still may match.
   */
  rejectPrefix?(partial: Uint8Array): number | undefined;
}

const encoder = new TextEncoder();
const LF = 0x0a;
const CR = 0x0d;

function pass(groups: Captures = {}): LineVerdict {
  return { ok: true, captures: groups };
}

/**
 * A line that equals `text`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineEquals } from "./line.ts";
 * assert(lineEquals("hi").test(new TextEncoder().encode("hi")).ok);
 * ```
 *
 * @param text The whole line.
 * @returns The test.
 */
export function lineEquals(text: string): LineTest {
  const expected = encoder.encode(text);
  function firstDifference(line: Uint8Array): number {
    const length = Math.min(line.length, expected.length);
    for (let i = 0; i < length; i++) if (line[i] !== expected[i]) return i;
    return length;
  }
  return {
    description: JSON.stringify(text),
    test(line): LineVerdict {
      const at = firstDifference(line);
      if (at === expected.length && line.length === expected.length) return pass();
      return {
        ok: false,
        offset: at,
        reason: line.length < expected.length && at === line.length
          ? `Line ended early at byte ${at}`
          : `Line differs at byte ${at}`,
      };
    },
    rejectPrefix(partial): number | undefined {
      const at = firstDifference(partial);
      if (at < partial.length && at < expected.length) return at;
      // Beyond the expected text only the `\r` of a `\r\n` may follow.
      if (partial.length > expected.length) {
        if (partial[expected.length] !== CR) return expected.length;
        if (partial.length > expected.length + 1) return expected.length + 1;
      }
      return undefined;
    },
  };
}

/**
 * A line that contains `text`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineContains } from "./line.ts";
 * assert(lineContains("chat").test(new TextEncoder().encode("the chat!")).ok);
 * ```
 *
 * @param text The text the line must contain.
 * @returns The test.
 */
export function lineContains(text: string): LineTest {
  return {
    description: `a line containing ${JSON.stringify(text)}`,
    test(line): LineVerdict {
      return decodeText(line).includes(text)
        ? pass()
        : { ok: false, offset: 0, reason: `Line does not contain ${JSON.stringify(text)}` };
    },
  };
}

/**
 * A line that matches `regex`; named groups become captures.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineRegex } from "./line.ts";
 * const verdict = lineRegex(/^\[(?<who>\w+)\]/).test(new TextEncoder().encode("[bob] hi"));
 * assert(verdict.ok && verdict.captures.who === "bob");
 * ```
 *
 * @param regex The regex the line must match.
 * @returns The test.
 */
export function lineRegex(regex: RegexLike | string): LineTest {
  const compiled = typeof regex === "string" ? compileRegex(regex) : regex;
  return {
    description: `a line matching /${compiled.source}/`,
    test(line): LineVerdict {
      const match = compiled.exec(decodeText(line));
      return match === null
        ? { ok: false, offset: 0, reason: `Line does not match /${compiled.source}/` }
        : pass(captures(match));
    },
  };
}

/**
 * A line of JSON that contains `value` (objects as subsets).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineJson } from "./line.ts";
 * assert(lineJson({ ok: true }).test(new TextEncoder().encode('{"ok":true,"n":1}')).ok);
 * ```
 *
 * @param value The value the JSON must contain.
 * @returns The test.
 */
export function lineJson(value: unknown): LineTest {
  return {
    description: `a JSON line containing ${JSON.stringify(value)}`,
    test(line): LineVerdict {
      let parsed: unknown;
      try {
        parsed = JSON.parse(decodeText(line));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return { ok: false, offset: 0, reason: `Line is not JSON: ${detail}` };
      }
      const difference = jsonDifference(parsed, value);
      return difference === undefined
        ? pass()
        : { ok: false, offset: 0, reason: `JSON differs: ${difference}` };
    },
  };
}

/** The end of the line that starts at `start`, or -1 while it is unterminated. */
function lineEnd(bytes: Uint8Array, start: number): number {
  return bytes.indexOf(LF, start);
}

function lineAt(bytes: Uint8Array, start: number, newline: number): Uint8Array {
  const end = newline > start && bytes[newline - 1] === CR ? newline - 1 : newline;
  return bytes.subarray(start, end);
}

/**
 * Matches the next lines in order, one test per line.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectLines, lineEquals } from "./line.ts";
 * const match = expectLines([lineEquals("a"), lineEquals("b")]);
 * const result = match(new TextEncoder().encode("a\r\nb\nc"), false);
 * assert(result.status === "matched" && result.consumed === 5);
 * ```
 *
 * @param tests One test per line.
 * @returns The matcher.
 */
export function expectLines(tests: readonly LineTest[]): Matcher {
  return function matchLines(bytes: Uint8Array, ended: boolean): MatchResult {
    let start = 0;
    const groups: Captures = {};
    for (let index = 0; index < tests.length; index++) {
      const test = tests[index]!;
      const label = tests.length > 1 ? `Line ${index + 1} of ${tests.length}: ` : "";
      const newline = lineEnd(bytes, start);
      if (newline === -1) {
        const rejected = test.rejectPrefix?.(bytes.subarray(start));
        if (rejected !== undefined) {
          return mismatch(start + rejected, `${label}Line differs at byte ${rejected}`);
        }
        if (ended && bytes.length > start) {
          return mismatch(bytes.length, `${label}Connection closed before the end of the line`);
        }
        return INCOMPLETE;
      }
      const verdict = test.test(lineAt(bytes, start, newline));
      if (!verdict.ok) return mismatch(start + verdict.offset, `${label}${verdict.reason}`);
      Object.assign(groups, verdict.captures);
      start = newline + 1;
    }
    return matched(start, groups);
  };
}

/**
 * Matches the next `tests.length` lines in any order: each line must pass a
 * different test. A complete line that no test accepts fails at once.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectUnordered, lineEquals } from "./line.ts";
 * const match = expectUnordered([lineEquals("a"), lineEquals("b")]);
 * assert(match(new TextEncoder().encode("b\na\n"), false).status === "matched");
 * ```
 *
 * @param tests One test per line.
 * @returns The matcher.
 */
export function expectUnordered(tests: readonly LineTest[]): Matcher {
  return function matchUnordered(bytes: Uint8Array, ended: boolean): MatchResult {
    const verdicts: LineVerdict[][] = [];
    const starts: number[] = [];
    let start = 0;
    while (verdicts.length < tests.length) {
      const newline = lineEnd(bytes, start);
      if (newline === -1) {
        if (ended && bytes.length > start) {
          return mismatch(bytes.length, "Connection closed before the end of the line");
        }
        return INCOMPLETE;
      }
      const line = lineAt(bytes, start, newline);
      const row = tests.map((test) => test.test(line));
      if (!row.some((verdict) => verdict.ok)) {
        return mismatch(
          start,
          `Line ${verdicts.length + 1} matches none of the ${tests.length} expected lines`,
        );
      }
      verdicts.push(row);
      starts.push(start);
      start = newline + 1;
    }
    const assignment = assignLines(verdicts);
    if (assignment === undefined) {
      return mismatch(0, `The ${tests.length} lines cannot each match a different expected line`);
    }
    const groups: Captures = {};
    assignment.forEach((test, line) => {
      const verdict = verdicts[line]![test]!;
      if (verdict.ok) Object.assign(groups, verdict.captures);
    });
    return matched(start, groups);
  };
}

/** A perfect matching of lines to tests (augmenting paths), or `undefined`. */
function assignLines(verdicts: readonly LineVerdict[][]): number[] | undefined {
  const testOwner = new Array<number>(verdicts.length).fill(-1);
  function augment(line: number, seen: boolean[]): boolean {
    const row = verdicts[line]!;
    for (let test = 0; test < row.length; test++) {
      if (!row[test]!.ok || seen[test]) continue;
      seen[test] = true;
      const owner = testOwner[test]!;
      if (owner === -1 || augment(owner, seen)) {
        testOwner[test] = line;
        return true;
      }
    }
    return false;
  }
  for (let line = 0; line < verdicts.length; line++) {
    if (!augment(line, new Array<boolean>(verdicts.length).fill(false))) return undefined;
  }
  const lineToTest = new Array<number>(verdicts.length);
  testOwner.forEach((line, test) => (lineToTest[line] = test));
  return lineToTest;
}
