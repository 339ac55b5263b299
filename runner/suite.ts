/**
 * The typed model of a scenario file, as validation produces it. Strings may
 * hold `${…}` references; they are filled in when a step runs.
 *
 * @module
 */

/** A transport a connection can use. */
export type Transport = "tcp" | "udp";

/** How a `connect` that is expected to fail must fail. */
export type ConnectFailure = "refused" | "timeout" | "unresolved" | "any";

/** Bytes written in a scenario: UTF-8 text, hex or base64. */
export interface Payload {
  /** How `value` encodes the bytes. */
  readonly encoding: "text" | "hex" | "base64";
  /** The encoded bytes, before interpolation. */
  readonly value: string;
}

/** What one line must be. */
export type LineMatch =
  | { readonly kind: "equals"; readonly text: string }
  | { readonly kind: "contains"; readonly text: string }
  | { readonly kind: "regex"; readonly pattern: string }
  | { readonly kind: "json"; readonly value: unknown };

/** What an `expect` step waits for. */
export type Expectation =
  | { readonly kind: "bytes"; readonly payload: Payload }
  | { readonly kind: "line"; readonly line: LineMatch }
  | { readonly kind: "lines"; readonly lines: readonly LineMatch[] }
  | { readonly kind: "unordered"; readonly lines: readonly LineMatch[] }
  | { readonly kind: "contains"; readonly text: string }
  | { readonly kind: "regex"; readonly pattern: string }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "closed" }
  | { readonly kind: "silence"; readonly duration: number };

/** What every step has. */
export interface StepBase {
  /** 1-based position in its scenario. */
  readonly number: number;
  /** The step's line in its file, when known. */
  readonly line: number | undefined;
  /** The step as written in the file. */
  readonly source: string;
  /** Its own timeout in milliseconds, when set. */
  readonly timeout: number | undefined;
}

/** `connect`: open a TCP or UDP connection. */
export interface ConnectStep extends StepBase {
  /** The action. */
  readonly action: "connect";
  /** The connection's name. */
  readonly as: string;
  /** `tcp://host:port` or `udp://host:port`; the suite's address when absent. */
  readonly to: string | undefined;
  /** The transport; taken from `to`, the target or `tcp`. */
  readonly transport: Transport | undefined;
  /** Passes only when connecting fails this way. */
  readonly fails: ConnectFailure | undefined;
}

/** `send`: write bytes to a connection. */
export interface SendStep extends StepBase {
  /** The action. */
  readonly action: "send";
  /** The connection's name. */
  readonly on: string;
  /** What to write. */
  readonly payload: Payload;
}

/** `expect`: wait for bytes that match. */
export interface ExpectStep extends StepBase {
  /** The action. */
  readonly action: "expect";
  /** The connection's name. */
  readonly on: string;
  /** What must arrive. */
  readonly expectation: Expectation;
}

/** `close`: close a connection. */
export interface CloseStep extends StepBase {
  /** The action. */
  readonly action: "close";
  /** The connection's name. */
  readonly on: string;
}

/** `sleep`: wait a fixed time. */
export interface SleepStep extends StepBase {
  /** The action. */
  readonly action: "sleep";
  /** How long, in milliseconds. */
  readonly duration: number;
}

/** `set`: define variables for later steps. */
export interface SetStep extends StepBase {
  /** The action. */
  readonly action: "set";
  /** Names and templates. */
  readonly variables: Readonly<Record<string, string>>;
}

/** One step of a scenario, keyed by its action. */
export type Step = ConnectStep | SendStep | ExpectStep | CloseStep | SleepStep | SetStep;

/** The action names, in the order the docs list them. */
export const ACTIONS = ["connect", "send", "expect", "close", "sleep", "set"] as const;

/** A named list of steps. */
export interface Scenario {
  /** The scenario's name. */
  readonly name: string;
  /** Its line in the file, when known. */
  readonly line: number | undefined;
  /** The steps, in order. */
  readonly steps: readonly Step[];
  /** Default timeout for its waiting steps, in milliseconds. */
  readonly timeout: number | undefined;
  /** Why it is skipped (empty when no reason is given), or `undefined` when it runs. */
  readonly skip: string | undefined;
}

/** A validated scenario file. */
export interface Suite {
  /** The suite's name. */
  readonly name: string;
  /** The file it came from, or a label for text. */
  readonly file: string;
  /** A built-in server to start for the suite. */
  readonly server: string | undefined;
  /** The default address of every connect, before interpolation. */
  readonly target: string | undefined;
  /** Default timeout for waiting steps, in milliseconds. */
  readonly timeout: number;
  /** The most unread bytes a connection may hold. */
  readonly maxBuffer: number;
  /** Suite variables, before interpolation. */
  readonly variables: Readonly<Record<string, string>>;
  /** The scenarios, in order. */
  readonly scenarios: readonly Scenario[];
}

/** Default timeout of waiting steps, in milliseconds. */
export const DEFAULT_TIMEOUT = 2_000;
/** Default most unread bytes per connection. */
export const DEFAULT_MAX_BUFFER = 1024 * 1024;
/** The connection a step uses when it names none. */
export const DEFAULT_CONNECTION = "main";
