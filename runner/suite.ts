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
  | {
    readonly kind: "closed";
    /** `close`: an orderly close (FIN), and a reset fails; `reset`: the peer aborts (RST). */
    readonly how: "close" | "reset";
  }
  | { readonly kind: "silence"; readonly duration: number };

/** What every step has. */
export interface StepBase {
  /** 1-based position in its scenario (or its include fragment, or its repeat). */
  readonly number: number;
  /** The step's line in its file, when known. */
  readonly line: number | undefined;
  /** The file the step is written in, when not the suite's own (an include fragment). */
  readonly file?: string;
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

/** How one message is split into several writes. */
export interface Split {
  /** Into this many writes of about equal size. */
  readonly chunks: number | undefined;
  /** Into writes of this many bytes. */
  readonly chunkSize: number | undefined;
  /** Milliseconds between writes. */
  readonly delay: number;
}

/** `send`: write bytes to a connection, a process's stdin or a UDP listener's last peer. */
export interface SendStep extends StepBase {
  /** The action. */
  readonly action: "send";
  /** The connection's name. */
  readonly on: string;
  /** What to write. */
  readonly payload: Payload;
  /** How to split it into writes, when asked to. */
  readonly split: Split | undefined;
}

/** `expect`: wait for bytes that match. */
export interface ExpectStep extends StepBase {
  /** The action. */
  readonly action: "expect";
  /** The connection's name. */
  readonly on: string;
  /** For a process: which output to read. */
  readonly stream: "stdout" | "stderr";
  /** What must arrive. */
  readonly expectation: Expectation;
}

/** `close`: close a connection (or only its sending side), a listener or a process's stdin. */
export interface CloseStep extends StepBase {
  /** The action. */
  readonly action: "close";
  /** The connection's name. */
  readonly on: string;
  /** `full` closes; `half` shuts down our sending side only (TCP). */
  readonly how: "full" | "half";
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

/** A command to run: a line split like a shell does, or a list of arguments. */
export interface ProgramSpec {
  /** The command line or arguments, before interpolation. */
  readonly run: string | readonly string[];
  /** The working directory, relative to the suite file's folder. */
  readonly cwd: string | undefined;
  /** Extra environment variables, before interpolation. */
  readonly env: Readonly<Record<string, string>>;
}

/** `spawn` as a step: a process that is a channel (stdin, stdout, stderr). */
export interface SpawnStep extends StepBase, ProgramSpec {
  /** The action. */
  readonly action: "spawn";
  /** The channel's name. */
  readonly as: string;
}

/** `listen`: open a listening socket on 127.0.0.1. */
export interface ListenStep extends StepBase {
  /** The action. */
  readonly action: "listen";
  /** The listener's name; `${NAME.port}` is its port. */
  readonly as: string;
  /** TCP or UDP. */
  readonly transport: Transport;
  /** A fixed port, before interpolation; a free one when absent. */
  readonly port: string | undefined;
}

/** `accept`: wait for the next TCP client of a listener. */
export interface AcceptStep extends StepBase {
  /** The action. */
  readonly action: "accept";
  /** The listener. */
  readonly on: string;
  /** The accepted connection's name. */
  readonly as: string;
}

/** `exit`: wait for a spawned process to exit with a code. */
export interface ExitStep extends StepBase {
  /** The action. */
  readonly action: "exit";
  /** The process's channel name. */
  readonly on: string;
  /** The exit code it must end with. */
  readonly code: number;
}

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

/** `include`: the steps of a fragment file, with variables set first. */
export interface IncludeStep extends StepBase {
  /** The action. */
  readonly action: "include";
  /** The fragment file, as written. */
  readonly path: string;
  /** Variables set before its steps, before interpolation. */
  readonly variables: Readonly<Record<string, string>>;
  /** The fragment's steps. */
  readonly steps: readonly Step[];
}

/** One step of a scenario, keyed by its action. */
export type Step =
  | ConnectStep
  | SendStep
  | ExpectStep
  | CloseStep
  | SleepStep
  | SetStep
  | SpawnStep
  | ListenStep
  | AcceptStep
  | ExitStep
  | RepeatStep
  | IncludeStep;

/** The action names, in the order the docs list them. */
export const ACTIONS = [
  "connect",
  "send",
  "expect",
  "close",
  "sleep",
  "set",
  "spawn",
  "listen",
  "accept",
  "exit",
  "repeat",
  "include",
] as const;

/** How the suite's program under test is told to be ready. */
export type Readiness =
  | { readonly kind: "port" }
  | { readonly kind: "stdout"; readonly pattern: string };

/** The program under test, started before the scenarios. */
export interface SuiteProgram extends ProgramSpec {
  /** A fixed port, or a free one (`${port}`) when absent. */
  readonly port: number | undefined;
  /** Whether it serves TCP or UDP on its port. */
  readonly transport: Transport;
  /** What tells that it is ready. */
  readonly ready: Readiness;
  /** How long it may take to be ready, in milliseconds. */
  readonly timeout: number;
  /** Started once per suite, or afresh for every scenario. */
  readonly per: "suite" | "scenario";
}

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
  /** What it is worth when graded. */
  readonly points: number;
  /** Whether students see it only after grades are published. */
  readonly hidden: boolean;
}

/** A validated scenario file. */
export interface Suite {
  /** The suite's name. */
  readonly name: string;
  /** The file it came from, or a label for text. */
  readonly file: string;
  /** The folder relative paths (`cwd`, `include`) start from. */
  readonly dir: string;
  /** The program under test, when the suite starts one. */
  readonly program: SuiteProgram | undefined;
  /** An address to wait for before any scenario runs. */
  readonly wait?: { readonly for: string; readonly timeout: number };
  /** Whether any scenario sets `points`, so reports show a score. */
  readonly graded: boolean;
  /** A built-in server to start for the suite. */
  readonly server: string | undefined;
  /** The default address of every connect, before interpolation. */
  readonly target: string | undefined;
  /** Default timeout for waiting steps, in milliseconds. */
  readonly timeout: number;
  /** The most unread bytes a connection may hold. */
  readonly maxBuffer: number;
  /** The longest the whole file may run (`max_time`), in milliseconds. */
  readonly maxTime?: number;
  /** Variables whose values never appear in any output (`secrets`). */
  readonly secrets: readonly string[];
  /** Suite variables, before interpolation. */
  readonly variables: Readonly<Record<string, string>>;
  /** The scenarios, in order. */
  readonly scenarios: readonly Scenario[];
}

/** Default time a program under test may take to be ready, in milliseconds. */
export const DEFAULT_READY_TIMEOUT = 10_000;
/** Default pause between the writes of a split `send`, in milliseconds. */
export const DEFAULT_SPLIT_DELAY = 20;
/** Default timeout of waiting steps, in milliseconds. */
export const DEFAULT_TIMEOUT = 2_000;
/** Default most unread bytes per connection. */
export const DEFAULT_MAX_BUFFER = 1024 * 1024;
/** The connection a step uses when it names none. */
export const DEFAULT_CONNECTION = "main";
