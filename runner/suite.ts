/**
 * The typed model of a scenario file, as validation produces it. Strings may
 * hold `${…}` references; they are filled in when a step runs.
 *
 * @module
 */

/** A transport a connection can use. */
export type Transport = "tcp" | "udp";

/** How a `connect` that is expected to fail must fail. */
export type ConnectFailure = "refused" | "timeout" | "unresolved" | "handshake" | "any";

/** Bytes written in a scenario: UTF-8 text, hex or base64. */
export type Payload =
  | {
    /** How `value` encodes the bytes. */
    readonly encoding: "text" | "hex" | "base64";
    /** The encoded bytes, before interpolation. */
    readonly value: string;
  }
  | {
    /** Binary fields, encoded in order. */
    readonly encoding: "fields";
    /** The fields, before interpolation. */
    readonly fields: readonly FieldSpec[];
  };

export type { FieldSpec } from "./fields.ts";
import type { FieldSpec } from "./fields.ts";
export type { Framing, LengthPrefix } from "./framing.ts";
export type { IntType } from "./binary.ts";

/** What one line must be. */
export type LineMatch =
  | { readonly kind: "equals"; readonly text: string }
  | { readonly kind: "contains"; readonly text: string }
  | { readonly kind: "regex"; readonly pattern: string }
  | { readonly kind: "json"; readonly value: unknown };

/** What an `expect` step waits for. */
export type Expectation =
  | { readonly kind: "bytes"; readonly payload: Payload }
  | { readonly kind: "fields"; readonly fields: readonly FieldSpec[] }
  | {
    readonly kind: "received";
    /** What a message the suite's stub received must meet. */
    readonly expectation: Expectation;
  }
  | {
    readonly kind: "any";
    /** The alternatives: the first (in order) to match on what arrived wins. */
    readonly alternatives: readonly Expectation[];
    /** The variable set to the index of the one that matched. */
    readonly as: string | undefined;
  }
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

import type { ConnectStep } from "./steps/connect.ts";
import type { SendStep } from "./steps/send.ts";
import type { ExpectStep } from "./steps/expect.ts";
import type { CloseStep } from "./steps/close.ts";
import type { ProxyStep } from "./steps/proxy.ts";
import type { StartTlsStep } from "./steps/starttls.ts";
import type { SleepStep } from "./steps/sleep.ts";
import type { SetStep } from "./steps/set.ts";
import type { SpawnStep } from "./steps/spawn.ts";
import type { ListenStep } from "./steps/listen.ts";
import type { AcceptStep } from "./steps/accept.ts";
import type { ExitStep } from "./steps/exit.ts";
import type { RepeatStep } from "./steps/repeat.ts";
import type { IncludeStep } from "./steps/include.ts";

export type { ConnectStep } from "./steps/connect.ts";
export type { SendStep } from "./steps/send.ts";
export type { ExpectStep } from "./steps/expect.ts";
export type { CloseStep } from "./steps/close.ts";
export type { ProxyStep } from "./steps/proxy.ts";
export type { StartTlsStep } from "./steps/starttls.ts";
export type { SleepStep } from "./steps/sleep.ts";
export type { SetStep } from "./steps/set.ts";
export type { SpawnStep } from "./steps/spawn.ts";
export type { ListenStep } from "./steps/listen.ts";
export type { AcceptStep } from "./steps/accept.ts";
export type { ExitStep } from "./steps/exit.ts";
export type { RepeatStep } from "./steps/repeat.ts";
export type { IncludeStep } from "./steps/include.ts";

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

/** How one message is split into several writes. */
export interface Split {
  /** Into this many writes of about equal size. */
  readonly chunks: number | undefined;
  /** Into writes of this many bytes. */
  readonly chunkSize: number | undefined;
  /** Milliseconds between writes. */
  readonly delay: number;
}

/** A command to run: a line split like a shell does, or a list of arguments. */
export interface ProgramSpec {
  /** The command line or arguments, before interpolation. */
  readonly run: string | readonly string[];
  /** The working directory, relative to the suite file's folder. */
  readonly cwd: string | undefined;
  /** Extra environment variables, before interpolation. */
  readonly env: Readonly<Record<string, string>>;
  /** Resource limits for it and its children (`prlimit`), when any. */
  readonly limits?: ProcessLimits | undefined;
  /** Whether it runs in a sandbox (`bwrap`): the file system read-only but for its folder. */
  readonly sandbox?: boolean;
}

/** Resource limits for a program and its children, set with util-linux's `prlimit`. */
export interface ProcessLimits {
  /** CPU time, in milliseconds (whole seconds are enforced). */
  readonly cpu?: number;
  /** Address space, in bytes. */
  readonly memory?: number;
  /** Processes of its user (`RLIMIT_NPROC`). */
  readonly processes?: number;
  /** The largest file it may write, in bytes. */
  readonly fileSize?: number;
  /** Open file descriptors. */
  readonly openFiles?: number;
}

/** One step of a scenario, keyed by its action. */
export type Step =
  | ConnectStep
  | SendStep
  | ExpectStep
  | CloseStep
  | ProxyStep
  | StartTlsStep
  | SleepStep
  | SetStep
  | SpawnStep
  | ListenStep
  | AcceptStep
  | ExitStep
  | RepeatStep
  | IncludeStep;

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
  /** Whether students see it only later: once grades are published, or after the due date. */
  readonly hidden: boolean;
  /** With `hidden: after_due_date`: students see it after the due date, not at publication. */
  readonly hiddenUntil?: "after_due_date";
  /** What it ranks students by, from its `repeat` step. */
  readonly leaderboard?: LeaderboardSpec;
}

/** A leaderboard column: a figure of a scenario's `repeat` step. */
export interface LeaderboardSpec {
  /** The column's name. */
  readonly name: string;
  /** The figure: a latency percentile or the maximum (milliseconds), or iterations per second. */
  readonly value: "p50" | "p95" | "max" | "throughput";
  /** Which way is better: `asc`, lower first (latencies); `desc`, higher first (throughput). */
  readonly order: "asc" | "desc";
}

/**
 * TLS options as written: texts may hold `${variables}`. `ca`, `cert` and
 * `key` are PEM text or a file's path, relative to the suite.
 */
export interface TlsSpec {
  /** Certificates to trust besides the system's. */
  readonly ca?: string;
  /** The name sent (SNI) and verified; the host connected to by default. */
  readonly servername?: string;
  /** Skip verification (any certificate, any name), for this connection only. */
  readonly insecure?: boolean;
  /** A client certificate. */
  readonly cert?: string;
  /** The client certificate's key. */
  readonly key?: string;
  /** Protocols offered with ALPN. */
  readonly alpn?: readonly string[];
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
  /** A stub file to start as the suite's server (`server: { stub }`), its path resolved. */
  readonly stub?: string;
  /** The default address of every connect, before interpolation. */
  readonly target: string | undefined;
  /** TLS options for every TLS connection of the suite, unless a step sets its own. */
  readonly tls?: TlsSpec;
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

/** The process channel of the suite's program under test, in every scenario of a suite with `spawn`. */
export const PROGRAM_CHANNEL = "program";
