/**
 * Every problem validation reports, as data: a code, the details that code
 * carries, and how it reads. Decoders record a code and its details; this is
 * the one place that turns them into words, in std's style:
 * `Unknown key "timout" in "expect": did you mean "timeout"? (allowed: …)`.
 *
 * @module
 */

import { closestString } from "@std/text/closest-string";
import { levenshteinDistance } from "@std/text/levenshtein-distance";

/**
 * Quotes names for messages: `"a", "b"`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { list } from "./problems.ts";
 * assertEquals(list(["a", "b"]), `"a", "b"`);
 * ```
 *
 * @param names The names.
 * @returns The quoted list.
 */
export function list(names: Iterable<string>): string {
  return [...names].map((name) => `"${name}"`).join(", ");
}

/**
 * Quotes two or more names as alternatives: `"a" or "b"`, `"a", "b" or "c"`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { alternatives } from "./problems.ts";
 * assertEquals(alternatives(["a", "b", "c"]), `"a", "b" or "c"`);
 * ```
 *
 * @param names The names.
 * @returns The quoted alternatives.
 */
export function alternatives(names: readonly string[]): string {
  const quoted = names.map((name) => `"${name}"`);
  return quoted.length < 2
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/**
 * The closest of `candidates`, when one is close enough to be a typo.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { closest } from "./problems.ts";
 * assert(closest("sned", ["send", "expect"]) === "send");
 * assert(closest("xyz", ["send"]) === undefined);
 * ```
 *
 * @param word What was written.
 * @param candidates What is allowed.
 * @returns The likely intended candidate, or `undefined`.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const all = [...candidates];
  if (all.length === 0) return undefined;
  const best: string = closestString(word, all, { caseSensitive: false });
  const distance: number = levenshteinDistance(word.toLowerCase(), best.toLowerCase());
  const allowed = best.length >= 4 ? Math.max(2, Math.floor(best.length / 3)) : 1;
  return distance <= allowed ? best : undefined;
}

/**
 * Suggests the closest of `candidates`, when one is close enough to be a typo.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { suggestion } from "./problems.ts";
 * assert(suggestion("sned", ["send", "expect"]) === `: did you mean "send"?`);
 * assert(suggestion("xyz", ["send"]) === "");
 * ```
 *
 * @param word What was written.
 * @param candidates What is allowed.
 * @returns `: did you mean "…"?`, or an empty string.
 */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const best = closest(word, candidates);
  return best === undefined ? "" : `: did you mean "${best}"?`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A problem's entry: what it means (for the docs) and how it reads. */
interface ProblemEntry<D> {
  readonly summary: string;
  readonly format: (details: D) => string;
}

function problem<D>(summary: string, format: (details: D) => string): ProblemEntry<D> {
  return { summary, format };
}

/**
 * The problems, by code: each formats its details. A detail named `what`
 * is a key as written in messages (`"timeout"`) or a short phrase (`a line`);
 * `got` describes the value found (`"text"`, `number 5`, `a list`).
 */
const PROBLEMS = {
  "unknown-key": problem(
    "A key that the mapping does not take.",
    (d: { key: string; in: string; allowed: readonly string[] }): string =>
      `Unknown key "${d.key}" in ${d.in}${suggestion(d.key, d.allowed)} (allowed: ${
        list(d.allowed)
      })`,
  ),
  "unknown-action": problem(
    "A step whose action is not one Parley has.",
    (d: { action: string; allowed: readonly string[] }): string =>
      `Unknown action "${d.action}"${suggestion(d.action, d.allowed)} (actions: ${
        list(d.allowed)
      })`,
  ),
  "missing-action": problem(
    "A step without an action.",
    (d: { allowed: readonly string[] }): string =>
      `A step needs an action: one of ${list(d.allowed)}`,
  ),
  "several-actions": problem(
    "A step with two actions.",
    (d: { actions: readonly string[] }): string =>
      `A step has exactly one action, got ${list(d.actions)}; write each as its own "- " item`,
  ),
  "wrong-type": problem(
    "A value of the wrong type or shape.",
    (d: { what: string; expected: string; got: string }): string =>
      `Expected ${d.what} to be ${d.expected}, got ${d.got}`,
  ),
  "invalid-value": problem(
    "A value of the right type that is not valid.",
    (d: { what: string; value: string; in?: string; expected: string }): string =>
      `Invalid ${d.what} "${d.value}"${
        d.in === undefined ? "" : ` in ${d.in}`
      }: expected ${d.expected}`,
  ),
  "not-one-of": problem(
    "A value outside a fixed set.",
    (d: { what: string; got: string; allowed: readonly string[]; typo?: string }) =>
      d.typo === undefined
        ? `Invalid ${d.what} ${d.got}: expected ${expectedOf(d.allowed)}`
        : `Invalid ${d.what} ${d.got}: did you mean "${d.typo}"? (expected ${
          expectedOf(d.allowed)
        })`,
  ),
  "invalid-duration": problem(
    "A duration that cannot be read.",
    (d: { what: string; reason: string }): string => `Invalid ${d.what}: ${d.reason}`,
  ),
  "duration-too-long": problem(
    "A duration longer than 24 hours once `--timeout-scale` applies.",
    (d: { what: string; value: string; scale: number; scaled: string }) =>
      `Invalid ${d.what}: "${d.value}" scaled by --timeout-scale ${d.scale} is ${d.scaled}, more than 24h`,
  ),
  "invalid-regex": problem(
    "A regex that does not compile.",
    (d: { message: string }): string => d.message,
  ),
  "invalid-template": problem(
    "A `${…}` reference that cannot be read.",
    (d: { message: string }): string => d.message,
  ),
  "invalid-command": problem(
    "A command line whose quoting is broken.",
    (d: { message: string }): string => d.message,
  ),
  "undefined-variable": problem(
    "A `${name}` that nothing defines before this point.",
    (d: { name: string; text: string; defined: readonly string[] }) =>
      `Undefined variable "${d.name}" in ${JSON.stringify(d.text)}${suggestion(d.name, d.defined)}${
        d.defined.length > 0 ? ` (defined: ${list(d.defined)})` : " (no variables are defined here)"
      }`,
  ),
  "unknown-server": problem(
    "A built-in server that does not exist.",
    (d: { server: string; allowed: readonly string[] }): string =>
      `Unknown server "${d.server}"${suggestion(d.server, d.allowed)} (built-in servers: ${
        list(d.allowed)
      })`,
  ),
  "one-of-keys": problem(
    "A mapping that needs one of some keys and has none, or has more than one.",
    (
      d: {
        in: string;
        keys: readonly string[];
        given: readonly string[];
        optional?: boolean;
        hint?: string;
      },
    ): string =>
      (d.given.length === 0
        ? `${d.in} needs one of ${alternatives(d.keys)}`
        : `${d.in} takes ${d.optional === true ? "at most" : ""} one of ${
          alternatives(d.keys)
        }, got ${list(d.given)}`.replace("  ", " ")) +
      (d.hint === undefined ? "" : `; ${d.hint}`),
  ),
  "requires-key": problem(
    "A key that only means something together with another.",
    (d: { key: string; requires: readonly string[] }): string =>
      `"${d.key}" goes with ${alternatives(d.requires)}`,
  ),
  "missing-key": problem(
    "A key that must be there.",
    (d: { key: string; in: string; purpose?: string }): string =>
      `${d.in} needs "${d.key}"${d.purpose === undefined ? "" : `: ${d.purpose}`}`,
  ),
  "leaderboard-repeat": problem(
    "A leaderboard in a scenario without exactly one repeat step to rank.",
    (d: { count: number }): string =>
      d.count === 0
        ? `"leaderboard" ranks the scenario's "repeat" step, but it has none`
        : `"leaderboard" ranks one "repeat" step, but the scenario has ${d.count}`,
  ),
  "duplicate-scenario": problem(
    "Two scenarios of one suite with the same name.",
    (d: { name: string }): string => `Duplicate scenario name "${d.name}"`,
  ),
  "duplicate-option": problem(
    "An option written both in the action's value and beside it.",
    (d: { key: string }): string => `Option "${d.key}" is given twice`,
  ),
  "not-open": problem(
    "A step that uses a connection no earlier step opened.",
    (d: { name: string; open: readonly string[]; fallback: boolean }): string =>
      `Connection "${d.name}" is not open` +
      (d.name === "program"
        ? `; "program" is the program under test of a suite with "spawn"`
        : d.open.length === 0
        ? d.fallback
          ? `; add "- connect" before this step`
          : `; add "- connect: ${d.name}" before this step`
        : `${suggestion(d.name, d.open)} (open connections: ${list(d.open)})`),
  ),
  "already-open": problem(
    "A step that opens a name that is open already.",
    (d: { name: string; step: number }): string =>
      d.step === 0
        ? `"${d.name}" is the program under test, open in every scenario; choose another name`
        : `Connection "${d.name}" is already open (step ${d.step}); close it first or choose another name`,
  ),
  "does-not-apply": problem(
    'An option or step used where it does not apply: `"exit" applies to spawned processes; "x" is a connection`.',
    (
      d: {
        what: string;
        applies: string;
        name?: string;
        is?: string;
        why?: string;
        plural?: boolean;
      },
    ): string =>
      `${d.what} ${d.plural === true ? "apply" : "applies"} to ${d.applies}` +
      (d.name === undefined ? "" : `; "${d.name}" is ${d.is ?? "not one"}`) +
      (d.why === undefined ? "" : `: ${d.why}`),
  ),
  "listener-not-connection": problem(
    "A step that sends or reads on a listener instead of an accepted connection.",
    (d: { action: string; name: string }): string =>
      `Cannot ${d.action} on listener "${d.name}": accept a connection first` +
      (d.action === "expect" ? ` (- accept: { on: ${d.name}, as: conn })` : ""),
  ),
  "not-a-listener": problem(
    "An `accept` without a TCP listener to accept on.",
    (d: { name?: string; kind?: string }): string =>
      d.name === undefined
        ? `"accept" needs a TCP listener: add "- listen: srv" first`
        : d.kind === "udp-listener"
        ? `A UDP listener has no connections to accept: expect on "${d.name}" takes the next datagram`
        : `"${d.name}" is not a TCP listener`,
  ),
  "no-address": problem(
    "A step that has nowhere to connect to.",
    (): string =>
      `No address to connect to: give "to", or set the suite's "server", "target" or "spawn"`,
  ),
  "transport-mismatch": problem(
    "A transport that contradicts the address.",
    (d: { transport: string; scheme: string }): string =>
      `Transport "${d.transport}" contradicts the address's scheme "${d.scheme}"`,
  ),
  "server-transport": problem(
    "A built-in server asked for a transport it does not serve.",
    (d: { server: string; transport: string; speaks: readonly string[] }) =>
      `The "${d.server}" server does not speak ${d.transport.toUpperCase()}; it speaks ${
        d.speaks.map((transport) => transport.toUpperCase()).join(" and ")
      }`,
  ),
  unsupported: problem(
    "Something Parley cannot do here, with the reason.",
    (d: { what: string; reason: string }): string => `${d.what} is not available: ${d.reason}`,
  ),
  "include-cycle": problem(
    "Include files that include each other.",
    (d: { files: readonly string[] }): string =>
      `Include cycle: ${d.files.map((file) => `"${file}"`).join(" includes ")}`,
  ),
  "include-unreadable": problem(
    "An include fragment that cannot be read.",
    (d: { file: string; reason: string }): string => `Cannot read include "${d.file}": ${d.reason}`,
  ),
  "include-shape": problem(
    "An include fragment that is not a list of steps.",
    (d: { file: string }): string =>
      `Include "${d.file}" must be a mapping with a non-empty "steps" list`,
  ),
  "yaml-syntax": problem(
    "A file that is not valid YAML.",
    (d: { message: string }): string => d.message,
  ),
  "file-unreadable": problem(
    "A suite file that cannot be read.",
    (d: { message: string }): string => d.message,
  ),
  "more-problems": problem(
    "Problems past the most that are shown.",
    (d: { count: number; shown: number }): string =>
      `${
        plural(d.count, "more problem", "more problems")
      } not shown (only the first ${d.shown} are)`,
  ),
} as const;

function expectedOf(allowed: readonly string[]): string {
  return allowed.length === 2 ? alternatives(allowed) : `one of ${list(allowed)}`;
}

/** What a problem is, as a code. */
export type ProblemCode = keyof typeof PROBLEMS;

/** The details each code carries. */
export type ProblemDetails = {
  [C in ProblemCode]: (typeof PROBLEMS)[C] extends ProblemEntry<infer D> ? D : never;
};

/** A problem as data: its code and details. */
export type Problem = { [C in ProblemCode]: { code: C; details: ProblemDetails[C] } }[ProblemCode];

/**
 * Every code with what it means, in the order of the catalogue (for the docs).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { problemCodes } from "./problems.ts";
 * assert(problemCodes().some(({ code }) => code === "unknown-key"));
 * ```
 *
 * @returns The codes and their summaries.
 */
export function problemCodes(): { code: ProblemCode; summary: string }[] {
  return (Object.keys(PROBLEMS) as ProblemCode[]).map((code) => ({
    code,
    summary: PROBLEMS[code].summary,
  }));
}

/**
 * Words for a problem: the one place where codes and details become text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatProblem } from "./problems.ts";
 * assertEquals(
 *   formatProblem({
 *     code: "unknown-key",
 *     details: { key: "timout", in: `"expect"`, allowed: ["text", "timeout"] },
 *   }),
 *   `Unknown key "timout" in "expect": did you mean "timeout"? (allowed: "text", "timeout")`,
 * );
 * ```
 *
 * @param problem The code and its details.
 * @returns The message.
 */
export function formatProblem(problem: Problem): string {
  const entry = PROBLEMS[problem.code] as ProblemEntry<unknown>;
  return entry.format(problem.details);
}
