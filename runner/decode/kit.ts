/**
 * The decoding kit: what every action's decoder needs to turn a step as
 * written (parsed YAML, `unknown`) into a typed step, collecting every
 * problem with its place. The validator implements it; each action's spec
 * (in `runner/steps/`) decodes its own options with it.
 *
 * @module
 */

import type { AddressScheme } from "../address.ts";
import type { Faults } from "../faults.ts";
import type { ProblemCode, ProblemDetails } from "./problems.ts";
import type {
  FieldSpec,
  Framing,
  LineMatch,
  Payload,
  ProcessLimits,
  Readiness,
  Split,
  Step,
  StepBase,
  TlsSpec,
  Transport,
} from "../suite.ts";

export { alternatives, closest, list, suggestion } from "./problems.ts";

/** A mapping as parsed: keys to unknown values. */
export type Options = Record<string, unknown>;

/** Where in the file a problem is: the scenario, the step, the line. */
export interface Place {
  /** The scenario's name (or `#N`). */
  scenario?: string | undefined;
  /** The 1-based step number. */
  step?: number | undefined;
  /** The 1-based line. */
  line?: number | undefined;
  /** The 1-based column of the offending key or value. */
  column?: number | undefined;
  /**
   * The entry the problem is about, when the decoder knows it: its path in
   * the document (`scenarios[0].steps[2].timeout`) is found from it only
   * when a problem is recorded.
   */
  entry?: { readonly container: object; readonly key: string | number } | undefined;
}

/** What a name refers to, as validation tracks it. */
export type ConnectionKind =
  | "tcp"
  | "udp"
  | "process"
  | "tcp-listener"
  | "udp-listener"
  | "proxy"
  | "stub";

/** A connection as validation tracks it. */
export interface OpenConnection {
  /** What it is. */
  kind: ConnectionKind;
  /** The step that opened it. */
  step: number;
}

/** What a scenario has built so far: the connections open and the variables defined. */
export interface ScenarioState {
  /** Open connections by name. */
  open: Map<string, OpenConnection>;
  /** Variables defined so far. */
  defined: Set<string>;
}

/** What the suite gives every step: its address, its program, its variables. */
export interface SuiteContext {
  /** The built-in server, if any. */
  server: string | undefined;
  /** The target address, if any. */
  target: string | undefined;
  /** Whether the suite starts a program under test. */
  program: boolean;
  /** The transport the program under test serves. */
  programTransport: Transport;
  /** Variables the suite defines. */
  defined: ReadonlySet<string>;
}

/** What every step has before its action's own fields. */
export type StepHead = Omit<StepBase, "timeout">;

/** What a decoder receives. */
export interface ActionInput {
  /** The options: the action's value (a shorthand becomes its key) merged with the step's other keys. */
  readonly options: Options | undefined;
  /** The action's value as written. */
  readonly value: unknown;
  /** The step's keys other than the action. */
  readonly siblings: Options;
  /** Number, line, source and file of the step. */
  readonly base: StepHead;
  /** Where the step is. */
  readonly place: Place;
  /** The suite's context. */
  readonly suite: SuiteContext;
  /** The scenario so far; a decoder records what its step opens, closes and defines. */
  readonly state: ScenarioState;
}

/** The checks decoders share; every method records problems and returns `undefined` when invalid. */
export interface DecodeKit {
  /** Records a problem: its code and details (see `problems.ts`), at a place. */
  problem<C extends ProblemCode>(place: Place, code: C, details: ProblemDetails[C]): void;
  /**
   * The place of `key` in `container` (a mapping as written, or a step's
   * merged options), for a problem with that key or its value; `place` when
   * the key was not written.
   */
  at(place: Place, container: unknown, key: string | number): Place;
  /** Records keys outside `allowed`, with a suggestion; whether every key was allowed. */
  checkKeys(map: Options, allowed: readonly string[], place: Place, what: string): boolean;
  /** A string (numbers and booleans as text). */
  string(value: unknown, place: Place, what: string): string | undefined;
  /** A duration in milliseconds, at most 24 h (scaled by `--timeout-scale` unless `scaled: false`). */
  duration(
    value: unknown,
    place: Place,
    what: string,
    options?: { scaled?: boolean },
  ): number | undefined;
  /** Checks `${…}` references against the names defined so far. */
  template(text: string, place: Place, defined: ReadonlySet<string>): void;
  /** A whole number from 1 to `max`. */
  positiveInteger(value: unknown, place: Place, what: string, max?: number): number | undefined;
  /** The step's `timeout`, when given. */
  timeout(options: Options, place: Place): number | undefined;
  /** A valid connection name. */
  connectionName(value: unknown, place: Place, what: string): string | undefined;
  /**
   * One of the allowed values: `Invalid "per" "x": expected "suite" or
   * "scenario"`, with a suggestion for a typo.
   */
  oneOf<T extends string>(
    value: unknown,
    allowed: readonly T[],
    place: Place,
    what: string,
  ): T | undefined;
  /** Records a problem when a step would open a name that is open already. */
  checkNotOpen(name: string, place: Place, state: ScenarioState): void;
  /** A name for something a step opens, which must not be open already. */
  newName(
    value: unknown,
    fallback: string,
    place: Place,
    state: ScenarioState,
    what: string,
  ): string | undefined;
  /** The connection a step uses (`on`), which must be open. */
  on(
    options: Options,
    place: Place,
    state: ScenarioState,
  ): { name: string; kind: ConnectionKind } | undefined;
  /** A `tcp://`, `udp://`, `tls://` or `unix://` address; its scheme. */
  address(
    text: string,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): AddressScheme | undefined;
  /** Exactly one of `text`, `hex` and `base64`. */
  payload(
    options: Options,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): Payload | undefined;
  /** `chunks` or `chunk_size`, and `delay`. */
  split(options: Options, place: Place): Split | undefined;
  /** A regex source, checked; named groups are variables for later steps. */
  regex(pattern: string, place: Place, state: ScenarioState): string;
  /** One expected line: text, or `{ contains | regex | json }`. */
  lineMatch(raw: unknown, place: Place, state: ScenarioState): LineMatch | undefined;
  /** A command line or argument list. */
  command(
    value: unknown,
    place: Place,
    defined: ReadonlySet<string>,
  ): string | string[] | undefined;
  /** Environment variables for a process. */
  environment(value: unknown, place: Place, defined: ReadonlySet<string>): Record<string, string>;
  /** Resource limits for a program: `{ cpu, memory, processes, file_size, open_files }`. */
  limits(value: unknown, place: Place): ProcessLimits | undefined;
  /** Binary fields for `send` (values) or `expect` (values, names that capture, skips). */
  fields(
    value: unknown,
    place: Place,
    defined: ReadonlySet<string>,
    options: { expect: boolean; captures?: Set<string> },
  ): FieldSpec[] | undefined;
  /** A proxy's faults, for its transport; each may be `{ up, down }`. */
  faults(value: unknown, place: Place, transport: Transport): Faults | undefined;
  /**
   * A connection's framing: `{ prefix, skip, adjust }`, `{ delimiter }` or
   * `{ fixed }`; on UDP, where every datagram is a message, a problem.
   */
  framing(value: unknown, place: Place, transport: Transport): Framing | undefined;
  /** TLS options: `{ ca, servername, insecure, cert, key, alpn }`. */
  tls(value: unknown, place: Place, defined: ReadonlySet<string>): TlsSpec | undefined;
  /** `true` or `false`. */
  flag(value: unknown, place: Place, what: string): boolean | undefined;
  /** How a program tells it is ready: `port`, or `{ stdout: "regex" }`. */
  readiness(value: unknown, place: Place): Readiness | undefined;
  /** A port from 1 to 65535. */
  port(value: unknown, place: Place): number | undefined;
  /** A mapping of names to texts (`set`, `vars`, `env`). */
  textMap(
    value: unknown,
    place: Place,
    what: { key: string; entry: string; variables: boolean },
    defined: ReadonlySet<string> | undefined,
  ): Record<string, string> | undefined;
  /** Decodes nested steps (`repeat`). */
  steps(
    raw: unknown[],
    label: string | undefined,
    suite: SuiteContext,
    state: ScenarioState,
  ): Step[];
  /** Reads, validates and inlines an include fragment. */
  include(input: ActionInput): Step | undefined;
  /** The built-in servers a suite may name, with the transports each speaks. */
  readonly servers: Readonly<Record<string, readonly Transport[]>>;
}

/**
 * Whether a parsed value is a mapping.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isRecord } from "./kit.ts";
 * assert(isRecord({ a: 1 }) && !isRecord([1]));
 * ```
 *
 * @param value The value.
 * @returns Whether it is a mapping (not a list, not null).
 */
export function isRecord(value: unknown): value is Options {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Names a parsed value for messages: `"text"`, `number 5`, `a list`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describe } from "./kit.ts";
 * assertEquals(describe([1]), "a list");
 * ```
 *
 * @param value The value.
 * @returns A short description.
 */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (isRecord(value)) return "a mapping";
  if (typeof value === "string") return `"${value}"`;
  return typeof value === "number" ? `number ${value}` : `${typeof value} ${JSON.stringify(value)}`;
}

/** The transports a connection, listener or program may use. */
export const TRANSPORTS: readonly Transport[] = ["tcp", "udp"];

/** A connection or variable name: a letter or `_`, then letters, digits, `_` and `-`. */
export const NAME: RegExp = /^[A-Za-z_][\w-]*$/;

/** Durations that `--timeout-scale` leaves alone: they are part of what is tested, or a wall-clock bound. */
export const UNSCALED: { readonly scaled: false } = { scaled: false };

/** The most bytes a buffer or chunk may be: 1 GiB. */
export const MAX_MAX_BUFFER: number = 1 << 30;

/** The most times a `repeat` (or a `chunks` split) may go. */
export const MAX_REPEAT_TIMES = 1_000_000;

/** The most iterations of a `repeat` at once. */
export const MAX_CONCURRENCY = 10_000;
