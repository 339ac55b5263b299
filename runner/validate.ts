/**
 * Narrows a parsed YAML document to a typed {@linkcode Suite}, collecting
 * every problem with its location before anything runs.
 *
 * @module
 */

import { decodeBase64 } from "@std/encoding/base64";
import { closestString } from "@std/text/closest-string";
import { levenshteinDistance } from "@std/text/levenshtein-distance";
import { dirname, join } from "@std/path";
import { SERVER_TRANSPORTS } from "../servers/mod.ts";
import { CLIP_TEXT, clipText } from "./clip.ts";
import { splitCommandLine } from "./command_line.ts";
import { formatDuration, MAX_DURATION, parseDuration } from "./duration.ts";
import { InvalidSuiteError, type ValidationIssue } from "./errors.ts";
import { parseTemplate } from "./interpolate.ts";
import { compileRegex, groupNames } from "./match/regex.ts";
import {
  ACTIONS,
  type ConnectFailure,
  DEFAULT_CONNECTION,
  DEFAULT_MAX_BUFFER,
  DEFAULT_READY_TIMEOUT,
  DEFAULT_SPLIT_DELAY,
  DEFAULT_TIMEOUT,
  type Expectation,
  type LineMatch,
  type Payload,
  type Readiness,
  type Scenario,
  type Split,
  type Step,
  type StepBase,
  type Suite,
  type SuiteProgram,
  type Transport,
} from "./suite.ts";
import { readSuiteFileSync, SuiteFileError } from "./suite_file.ts";
import { parseYaml, type YamlDocument, YamlSyntaxError } from "./yaml.ts";

/** Options for {@linkcode validateSuite}. */
export interface ValidateOptions {
  /**
   * The file name used in messages and results.
   *
   * @default {"<text>"}
   */
  file?: string;
  /**
   * The built-in servers a suite may name, with the transports each speaks.
   *
   * @default {{ echo: ["tcp", "udp"], upper: ["tcp", "udp"], chat: ["tcp"] }}
   */
  servers?: Readonly<Record<string, readonly Transport[]>>;
  /**
   * Reads an include fragment.
   *
   * @default {readSuiteFileSync}
   */
  readFile?: (path: string) => string;
  /**
   * Names of variables given from outside the file (`--var`), so that
   * references to them are not reported as undefined.
   *
   * @default {[]}
   */
  variables?: readonly string[];
  /**
   * The run's `--timeout-scale`: a duration that would pass 24 hours once
   * scaled is a problem of the file.
   *
   * @default {1}
   */
  timeoutScale?: number;
}

type Record_ = Record<string, unknown>;

const SUITE_KEYS = [
  "name",
  "server",
  "target",
  "spawn",
  "wait",
  "timeout",
  "vars",
  "scenarios",
  "steps",
  "max_buffer",
  "max_time",
  "secrets",
];
const SCENARIO_KEYS = ["name", "steps", "timeout", "skip", "points", "hidden"];
const SUITE_SPAWN_KEYS = ["run", "cwd", "env", "port", "transport", "ready", "timeout", "per"];
const STEP_SPAWN_KEYS = ["as", "run", "cwd", "env"];
const CONNECT_KEYS = ["as", "to", "transport", "timeout", "fails"];
const SEND_KEYS = ["on", "text", "hex", "base64", "timeout", "chunks", "chunk_size", "delay"];
const EXPECT_KINDS = [
  "text",
  "hex",
  "base64",
  "line",
  "lines",
  "unordered",
  "contains",
  "regex",
  "json",
  "closed",
  "silence",
];
const EXPECT_KEYS = ["on", "timeout", "stream", ...EXPECT_KINDS];
const LINE_KINDS = ["text", "contains", "regex", "json"];
const FAILURES = ["refused", "timeout", "unresolved", "any"];
const NAME = /^[A-Za-z_][\w-]*$/;
/** Durations that `--timeout-scale` leaves alone: they are part of what is tested, or a wall-clock bound. */
const UNSCALED = { scaled: false } as const;

/** The most problems reported for one file; the rest are counted. */
const MAX_ISSUES = 50;
const MIN_MAX_BUFFER = 1024;
const MAX_MAX_BUFFER = 1 << 30;
const MAX_REPEAT_TIMES = 1_000_000;
const MAX_CONCURRENCY = 10_000;
const ADDRESS = /^(tcp|udp):\/\/(\[[^\]]+\]|[^:/\s]+):([^/\s]+)$/;
function isRecord(value: unknown): value is Record_ {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (isRecord(value)) return "a mapping";
  if (typeof value === "string") return `"${value}"`;
  return typeof value === "number" ? `number ${value}` : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Suggests the closest of `candidates`, when one is close enough to be a typo.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { suggestion } from "./validate.ts";
 * assert(suggestion("sned", ["send", "expect"]) === `; did you mean "send"?`);
 * assert(suggestion("xyz", ["send"]) === "");
 * ```
 *
 * @param word What was written.
 * @param candidates What is allowed.
 * @returns `; did you mean "…"?`, or an empty string.
 */
export function suggestion(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const closest: string = closestString(word, [...candidates], { caseSensitive: false });
  const distance: number = levenshteinDistance(word.toLowerCase(), closest.toLowerCase());
  const allowed = closest.length >= 4 ? Math.max(2, Math.floor(closest.length / 3)) : 1;
  return distance <= allowed ? `; did you mean "${closest}"?` : "";
}

function list(names: Iterable<string>): string {
  return [...names].map((name) => `"${name}"`).join(", ");
}

/** Replaces `${name}` for the given names in every string inside `value`, in place. */
function substitute(value: unknown, variables: Readonly<Record<string, string>>): void {
  const names = Object.keys(variables);
  if (names.length === 0) return;
  const pattern = new RegExp(
    `(?<!\\$)\\$\\{(${names.map((name) => name.replace(/[.\\-]/g, "\\$&")).join("|")})\\}`,
    "g",
  );
  const replace = (text: string): string =>
    text.replace(pattern, (_, name: string) => variables[name] ?? "");
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (typeof item === "string") value[index] = replace(item);
      else substitute(item, variables);
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "string") value[key] = replace(item);
      else substitute(item, variables);
    }
  }
}

/**
 * A value in YAML flow style, for steps that have no lines of their own;
 * at most about {@linkcode CLIP_TEXT} characters, however large the value
 * (aliases can make it large without making the file so).
 */
function flowText(value: unknown): string {
  let room = CLIP_TEXT;
  function write(item: unknown): string {
    if (room <= 0) return "…";
    let text: string;
    if (typeof item === "string") {
      text = /^[\w./:-]+$/.test(item) ? item : JSON.stringify(clipText(item));
    } else if (Array.isArray(item)) {
      const parts: string[] = [];
      for (const entry of item) {
        if (room <= 0) {
          parts.push("…");
          break;
        }
        parts.push(write(entry));
      }
      return `[${parts.join(", ")}]`;
    } else if (isRecord(item)) {
      const parts: string[] = [];
      for (const [key, entry] of Object.entries(item)) {
        if (room <= 0) {
          parts.push("…");
          break;
        }
        room -= key.length + 2;
        parts.push(`${key}: ${write(entry)}`);
      }
      return `{ ${parts.join(", ")} }`;
    } else {
      text = String(item);
    }
    room -= text.length + 2;
    return text;
  }
  return write(value);
}

/** Where in the file the validator is. */
interface Place {
  scenario?: string | undefined;
  step?: number | undefined;
  line?: number | undefined;
}

/** What a name refers to, as validation tracks it. */
type ConnectionKind = "tcp" | "udp" | "process" | "tcp-listener" | "udp-listener";

/** A connection as validation tracks it. */
interface OpenConnection {
  kind: ConnectionKind;
  step: number;
}

/** What the validators of a suite and its include fragments share. */
interface Shared {
  readonly issues: ValidationIssue[];
  readonly servers: Readonly<Record<string, readonly Transport[]>>;
  readonly readFile: (path: string) => string;
  /** Variables defined from outside the file. */
  readonly external: readonly string[];
  /** The files being validated, outermost first, to find include cycles. */
  readonly stack: string[];
  /** What every timeout is multiplied by when the suite runs. */
  readonly timeoutScale: number;
  /** Problems found past {@linkcode MAX_ISSUES}: counted, not kept. */
  unshown: number;
}

class Validator {
  readonly #doc: YamlDocument;
  readonly #file: string;
  readonly #dir: string;
  readonly #shared: Shared;
  readonly #via: string | undefined;
  #lines: string[] | undefined;

  constructor(doc: YamlDocument, file: string, shared: Shared, via?: string) {
    this.#doc = doc;
    this.#file = file;
    this.#dir = dirname(file);
    this.#shared = shared;
    this.#via = via;
  }

  get #servers(): Readonly<Record<string, readonly Transport[]>> {
    return this.#shared.servers;
  }

  /** Whether the file already has as many problems as are shown. */
  get full(): boolean {
    return this.#shared.issues.length >= MAX_ISSUES;
  }

  error(place: Place, message: string): void {
    if (this.full) {
      this.#shared.unshown++;
      return;
    }
    this.#shared.issues.push({
      file: this.#file,
      line: place.line,
      scenario: place.scenario,
      step: place.step,
      message: this.#via === undefined ? message : `${message} (included from ${this.#via})`,
    });
  }

  lineOf(container: unknown, key: string | number, fallback?: number): number | undefined {
    return this.#doc.lineOf(container, key) ?? fallback;
  }

  /** Reports keys outside `allowed`, with a suggestion. */
  checkKeys(map: Record_, allowed: readonly string[], place: Place, what: string): void {
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) {
        this.error(
          { ...place, line: this.lineOf(map, key, place.line) },
          `Unknown key "${key}" in ${what}${suggestion(key, allowed)}; allowed: ${list(allowed)}`,
        );
      }
    }
  }

  /** The step's lines as written, dedented, without its leading `- `. */
  sourceOf(line: number | undefined, value: unknown): string {
    this.#lines ??= this.#doc.text.split(/\r?\n/);
    const lines = this.#lines;
    const first = line === undefined ? "" : lines[line - 1] ?? "";
    // A step inside a flow list (`steps: [connect, close]`) has no lines of its own.
    if (line === undefined || !/^\s*-\s/.test(first)) return flowText(value);
    const indent = first.indexOf("-");
    const out = [first.slice(indent + 2).trim()];
    for (let i = line; i < lines.length; i++) {
      const text = lines[i]!;
      if (text.trim() === "" || text.trim().startsWith("#")) {
        if (text.trim() === "") break;
        continue;
      }
      if (text.search(/\S/) <= indent) break;
      out.push(text.slice(indent + 2).trimEnd());
    }
    return clipText(out.join("\n"));
  }

  string(value: unknown, place: Place, what: string): string | undefined {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    this.error(place, `Expected ${what} to be a string, got ${describe(value)}`);
    return undefined;
  }

  /** A list of variable names, e.g. `secrets`. */
  names(value: unknown, place: Place): string[] {
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string")) {
      this.error(
        place,
        `Expected "secrets" to be a list of variable names, got ${describe(value)}`,
      );
      return [];
    }
    for (const name of value) {
      if (!NAME.test(name)) {
        this.error(
          place,
          `Invalid variable name "${name}" in "secrets": expected letters, digits, "_" and "-"`,
        );
      }
    }
    return value;
  }

  duration(
    value: unknown,
    place: Place,
    what: string,
    options: { scaled?: boolean } = {},
  ): number | undefined {
    if (typeof value !== "string") {
      this.error(
        place,
        `Expected ${what} to be a duration like "2s" or "150ms", got ${describe(value)}`,
      );
      return undefined;
    }
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      this.error(place, `Invalid ${what}: ${(error as Error).message}`);
      return undefined;
    }
    const scale = options.scaled === false ? 1 : this.#shared.timeoutScale;
    if (ms * scale > MAX_DURATION) {
      this.error(
        place,
        `Invalid ${what}: "${value}" scaled by --timeout-scale ${scale} is ${
          formatDuration(ms * scale)
        }, more than 24h`,
      );
      return undefined;
    }
    return ms;
  }

  /** Checks `${…}` references against the names defined so far. */
  template(text: string, place: Place, defined: ReadonlySet<string>): void {
    let parts;
    try {
      parts = parseTemplate(text);
    } catch (error) {
      this.error(place, (error as Error).message);
      return;
    }
    for (const part of parts) {
      if (typeof part === "string" || part.name.startsWith("env.") || part.fallback !== undefined) {
        continue;
      }
      if (!defined.has(part.name)) {
        if (this.full) {
          // Suggestions cost a distance per defined name: skip them past the limit.
          this.#shared.unshown++;
          continue;
        }
        this.error(
          place,
          `Undefined variable "${part.name}" in ${JSON.stringify(text)}${
            suggestion(part.name, [...defined])
          }` +
            (defined.size > 0 ? `; defined: ${list(defined)}` : "; no variables are defined here"),
        );
      }
    }
  }

  suite(): Suite | undefined {
    const root = this.#doc.value;
    if (!isRecord(root)) {
      this.error(
        {},
        `A suite must be a mapping with "name" and "scenarios", got ${describe(root)}`,
      );
      return undefined;
    }
    this.checkKeys(root, SUITE_KEYS, {}, "the suite");
    const at = (key: string): Place => ({ line: this.lineOf(root, key) });
    const name = root.name === undefined
      ? this.#file.replace(/^.*[\\/]/, "").replace(/\.ya?ml$/, "")
      : this.string(root.name, at("name"), `"name"`);

    let server: string | undefined;
    if (root.server !== undefined) {
      server = this.string(root.server, at("server"), `"server"`);
      if (server !== undefined && !Object.hasOwn(this.#servers, server)) {
        this.error(
          at("server"),
          `Unknown server "${server}"${
            suggestion(server, Object.keys(this.#servers))
          }; built-in servers: ${list(Object.keys(this.#servers))}`,
        );
        server = undefined;
      }
    }
    let target: string | undefined;
    if (root.target !== undefined) {
      target = this.string(root.target, at("target"), `"target"`);
      if (target !== undefined) this.address(target, at("target"), new Set(), `"target"`);
    }
    const addresses = ["server", "target", "spawn"].filter((key) => root[key] !== undefined);
    if (addresses.length > 1) {
      this.error(
        at(addresses[1]!),
        `A suite has at most one of "server", "target" and "spawn", got ${list(addresses)}`,
      );
    }
    const timeout = root.timeout === undefined
      ? DEFAULT_TIMEOUT
      : this.duration(root.timeout, at("timeout"), `"timeout"`) ?? DEFAULT_TIMEOUT;
    // Not scaled by --timeout-scale: it bounds the wall clock, whatever the machine.
    const maxTime = root.max_time === undefined ? undefined : this.duration(
      root.max_time,
      at("max_time"),
      `"max_time"`,
      UNSCALED,
    );
    const secrets = root.secrets === undefined ? [] : this.names(root.secrets, at("secrets"));
    const maxBuffer = root.max_buffer === undefined
      ? DEFAULT_MAX_BUFFER
      : this.size(root.max_buffer, at("max_buffer"));

    // Checked for undefined names below, once host and port are known.
    const variables = root.vars === undefined ? {} : this.textMap(
      root.vars,
      at("vars"),
      { key: "vars", entry: "variable", variables: true },
      undefined,
    ) ?? {};
    const defined = new Set([...Object.keys(variables), ...this.#shared.external]);
    if (
      server !== undefined || target !== undefined || root.server !== undefined ||
      root.spawn !== undefined
    ) {
      defined.add("host").add("port");
    }
    const program = root.spawn === undefined
      ? undefined
      : this.suiteProgram(root.spawn, at("spawn"), defined);
    for (const [key, value] of Object.entries(variables)) {
      this.template(value, { line: this.lineOf(root.vars, key) }, defined);
    }

    let scenarios: Scenario[] = [];
    const context: SuiteContext = {
      server: typeof root.server === "string" ? root.server : undefined,
      target,
      program: root.spawn !== undefined,
      programTransport: program?.transport ?? "tcp",
      defined,
    };
    if (root.scenarios !== undefined && root.steps !== undefined) {
      this.error(
        at("steps"),
        `A suite has either "scenarios" or top-level "steps", got both`,
      );
    } else if (root.steps !== undefined) {
      const scenario = this.scenario({ name, steps: root.steps }, undefined, undefined, context);
      if (scenario !== undefined) scenarios = [scenario];
    } else if (!Array.isArray(root.scenarios) || root.scenarios.length === 0) {
      this.error(
        root.scenarios === undefined ? {} : at("scenarios"),
        root.scenarios === undefined
          ? `A suite needs "scenarios" (a list) or "steps"`
          : `Expected "scenarios" to be a non-empty list, got ${describe(root.scenarios)}`,
      );
    } else {
      root.scenarios.forEach((raw: unknown, index: number) => {
        const line = this.lineOf(root.scenarios, index);
        const label = isRecord(raw) && typeof raw.name === "string" ? raw.name : `#${index + 1}`;
        if (!isRecord(raw)) {
          this.error(
            { line, scenario: label },
            `Expected a scenario to be a mapping with "name" and "steps", got ${describe(raw)}`,
          );
          return;
        }
        const scenario = this.scenario(raw, label, line, context);
        if (scenario !== undefined) scenarios.push(scenario);
      });
      const seen = new Set<string>();
      for (const scenario of scenarios) {
        if (seen.has(scenario.name)) {
          this.error(
            { line: scenario.line, scenario: scenario.name },
            `Duplicate scenario name "${scenario.name}"`,
          );
        }
        seen.add(scenario.name);
      }
    }
    if (name === undefined) return undefined;
    const wait = root.wait === undefined ? undefined : this.wait(root.wait, at("wait"));
    const graded = Array.isArray(root.scenarios) &&
      root.scenarios.some((raw: unknown) => isRecord(raw) && raw.points !== undefined);
    return {
      name,
      file: this.#file,
      dir: this.#dir,
      server,
      target,
      program,
      ...(wait === undefined ? {} : { wait }),
      graded,
      timeout,
      maxBuffer,
      ...(maxTime === undefined ? {} : { maxTime }),
      secrets,
      variables,
      scenarios,
    };
  }

  wait(raw: unknown, place: Place): { for: string; timeout: number } | undefined {
    if (typeof raw === "string") raw = { for: raw };
    if (!isRecord(raw)) {
      this.error(
        place,
        `Expected "wait" to be an address or { for, timeout }, got ${describe(raw)}`,
      );
      return undefined;
    }
    this.checkKeys(raw, ["for", "timeout"], place, `"wait"`);
    const address = this.string(raw.for, place, `"for"`);
    if (address === undefined) return undefined;
    this.address(address, place, new Set(), `"wait"`);
    const timeout = raw.timeout === undefined
      ? 30_000
      : this.duration(raw.timeout, place, `"timeout"`) ?? 30_000;
    return { for: address, timeout };
  }

  /** A list of strings or a command line; checked for quoting. */
  command(
    value: unknown,
    place: Place,
    defined: ReadonlySet<string>,
  ): string | string[] | undefined {
    if (typeof value === "string") {
      try {
        splitCommandLine(value);
      } catch (error) {
        this.error(place, (error as Error).message);
        return undefined;
      }
      this.template(value, place, defined);
      return value;
    }
    if (Array.isArray(value) && value.length > 0 && value.every((arg) => typeof arg === "string")) {
      for (const arg of value) this.template(arg, place, defined);
      return value;
    }
    this.error(
      place,
      `Expected "run" to be a command line or a non-empty list of arguments, got ${
        describe(value)
      }`,
    );
    return undefined;
  }

  /**
   * A mapping of names to text values (`vars`, `set`, `env`): each value a
   * string (numbers and booleans are written as text) whose `${…}` are
   * checked against `defined`, when given.
   */
  textMap(
    value: unknown,
    place: Place,
    what: { key: string; entry: string; variables: boolean },
    defined: ReadonlySet<string> | undefined,
  ): Record<string, string> | undefined {
    if (!isRecord(value)) {
      this.error(
        place,
        `Expected "${what.key}" to be a mapping of names to values, got ${describe(value)}`,
      );
      return undefined;
    }
    const map: Record<string, string> = {};
    for (const [key, raw] of Object.entries(value)) {
      const at = { ...place, line: this.lineOf(value, key, place.line) };
      if (what.variables && !NAME.test(key)) this.error(at, `Invalid variable name "${key}"`);
      const text = this.string(raw, at, `${what.entry} "${key}"`);
      if (text === undefined) continue;
      if (defined !== undefined) this.template(text, at, defined);
      map[key] = text;
    }
    return map;
  }

  /** A map of environment variables. */
  environment(value: unknown, place: Place, defined: ReadonlySet<string>): Record<string, string> {
    if (value === undefined) return {};
    return this.textMap(value, place, {
      key: "env",
      entry: "environment variable",
      variables: false,
    }, defined) ?? {};
  }

  port(value: unknown, place: Place): number | undefined {
    if (typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536) {
      return value;
    }
    this.error(
      place,
      `Expected "port" to be a port number from 1 to 65535, got ${describe(value)}`,
    );
    return undefined;
  }

  suiteProgram(raw: unknown, place: Place, defined: ReadonlySet<string>): SuiteProgram | undefined {
    if (typeof raw === "string" || Array.isArray(raw)) raw = { run: raw };
    if (!isRecord(raw)) {
      this.error(
        place,
        `Expected "spawn" to be a command line or a mapping with "run", got ${describe(raw)}`,
      );
      return undefined;
    }
    this.checkKeys(raw, SUITE_SPAWN_KEYS, place, `"spawn"`);
    const at = (key: string): Place => ({ line: this.lineOf(raw, key, place.line) });
    if (raw.run === undefined) {
      this.error(place, `"spawn" needs "run": the command that starts the program under test`);
      return undefined;
    }
    const run = this.command(raw.run, at("run"), defined);
    const port = raw.port === undefined ? undefined : this.port(raw.port, at("port"));
    let transport: Transport = "tcp";
    if (raw.transport === "udp") transport = "udp";
    else if (raw.transport !== undefined && raw.transport !== "tcp") {
      this.error(
        at("transport"),
        `Invalid transport ${describe(raw.transport)}: expected "tcp" or "udp"`,
      );
    }
    let ready: Readiness = { kind: "port" };
    if (
      isRecord(raw.ready) && Object.keys(raw.ready).length === 1 &&
      typeof raw.ready.stdout === "string"
    ) {
      const pattern = raw.ready.stdout;
      try {
        compileRegex(pattern);
        ready = { kind: "stdout", pattern };
      } catch (error) {
        this.error(at("ready"), (error as Error).message);
      }
    } else if (raw.ready !== undefined && raw.ready !== "port") {
      this.error(
        at("ready"),
        `Expected "ready" to be "port" or { stdout: "regex" }, got ${describe(raw.ready)}`,
      );
    }
    let per: "suite" | "scenario" = "suite";
    if (raw.per === "scenario") per = "scenario";
    else if (raw.per !== undefined && raw.per !== "suite") {
      this.error(at("per"), `Expected "per" to be "suite" or "scenario", got ${describe(raw.per)}`);
    }
    const timeout = raw.timeout === undefined
      ? DEFAULT_READY_TIMEOUT
      : this.duration(raw.timeout, at("timeout"), `"timeout"`) ?? DEFAULT_READY_TIMEOUT;
    const cwd = raw.cwd === undefined ? undefined : this.string(raw.cwd, at("cwd"), `"cwd"`);
    const env = this.environment(raw.env, at("env"), defined);
    if (run === undefined) return undefined;
    return { run, cwd, env, port, transport, ready, timeout, per };
  }

  size(value: unknown, place: Place): number {
    const units: Record<string, number> = {
      "": 1,
      b: 1,
      kib: 1024,
      kb: 1000,
      mib: 1 << 20,
      mb: 1e6,
      gib: 1 << 30,
      gb: 1e9,
    };
    const match = typeof value === "number"
      ? [String(value), String(value), ""]
      : typeof value === "string"
      ? /^(\d+)\s*([a-z]*)$/i.exec(value.trim())
      : null;
    const unit = match === null ? undefined : units[match[2]!.toLowerCase()];
    const size = match === null || unit === undefined ? NaN : Number(match[1]) * unit;
    if (!(size >= MIN_MAX_BUFFER && size <= MAX_MAX_BUFFER)) {
      this.error(
        place,
        `Expected "max_buffer" to be a size from 1KiB to 1GiB, like 1048576, "64KiB" or "1MiB", got ${
          describe(value)
        }`,
      );
      return DEFAULT_MAX_BUFFER;
    }
    return size;
  }

  address(
    text: string,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): Transport | undefined {
    this.template(text, place, defined);
    const match = ADDRESS.exec(text);
    if (match === null) {
      this.error(
        place,
        `Invalid ${what} "${text}": expected "tcp://host:port" or "udp://host:port"`,
      );
      return undefined;
    }
    const port = match[3]!;
    if (!port.includes("${") && !(/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536)) {
      this.error(place, `Invalid port "${port}" in ${what} "${text}": expected 1 to 65535`);
    }
    return match[1] as Transport;
  }

  scenario(
    raw: Record_,
    label: string | undefined,
    line: number | undefined,
    suite: SuiteContext,
  ): Scenario | undefined {
    const place: Place = { scenario: label, line };
    if (line !== undefined) this.checkKeys(raw, SCENARIO_KEYS, place, "a scenario");
    const name = raw.name === undefined ? undefined : this.string(raw.name, place, `"name"`);
    if (raw.name === undefined) this.error(place, `A scenario needs a "name"`);
    const timeout = raw.timeout === undefined ? undefined : this.duration(
      raw.timeout,
      { ...place, line: this.lineOf(raw, "timeout", line) },
      `"timeout"`,
    );
    let skip: string | undefined;
    if (raw.skip === true) skip = "";
    else if (typeof raw.skip === "string" && raw.skip !== "") skip = raw.skip;
    else if (raw.skip !== undefined && raw.skip !== false && raw.skip !== null) {
      this.error(
        { ...place, line: this.lineOf(raw, "skip", line) },
        `Expected "skip" to be true, false or a reason, got ${describe(raw.skip)}`,
      );
    }
    if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
      this.error(
        { ...place, line: this.lineOf(raw, "steps", line) },
        `Expected "steps" to be a non-empty list, got ${describe(raw.steps)}`,
      );
      return undefined;
    }
    const state: ScenarioState = {
      open: new Map(),
      defined: new Set(suite.defined),
    };
    const steps = this.steps(raw.steps, label, suite, state);
    let points = 1;
    if (raw.points !== undefined) {
      if (typeof raw.points === "number" && raw.points >= 0 && Number.isFinite(raw.points)) {
        points = raw.points;
      } else {
        this.error(
          { ...place, line: this.lineOf(raw, "points", line) },
          `Expected "points" to be a number of 0 or more, got ${describe(raw.points)}`,
        );
      }
    }
    if (raw.hidden !== undefined && typeof raw.hidden !== "boolean") {
      this.error(
        { ...place, line: this.lineOf(raw, "hidden", line) },
        `Expected "hidden" to be true or false, got ${describe(raw.hidden)}`,
      );
    }
    if (name === undefined) return undefined;
    return { name, line, steps, timeout, skip, points, hidden: raw.hidden === true };
  }

  /** Validates a list of steps in order, in one scope. */
  steps(
    raw: unknown[],
    label: string | undefined,
    suite: SuiteContext,
    state: ScenarioState,
  ): Step[] {
    const steps: Step[] = [];
    raw.forEach((rawStep: unknown, index: number) => {
      const place = { scenario: label, step: index + 1, line: this.lineOf(raw, index) };
      const step = this.step(rawStep, place, suite, state);
      if (step !== undefined) steps.push(step);
    });
    return steps;
  }

  step(raw: unknown, place: Place, suite: SuiteContext, state: ScenarioState): Step | undefined {
    const source = this.sourceOf(place.line, raw);
    let action: string;
    let value: unknown;
    let siblings: Record_ = {};
    if (typeof raw === "string") {
      action = raw.trim();
      value = undefined;
    } else if (isRecord(raw)) {
      const keys = Object.keys(raw);
      const actions = keys.filter((key) => (ACTIONS as readonly string[]).includes(key));
      if (actions.length === 0) {
        const first = keys[0] ?? "";
        this.error(
          place,
          keys.length === 0
            ? `A step needs an action: one of ${list(ACTIONS)}`
            : `Unknown action "${first}"${suggestion(first, ACTIONS)}; actions: ${list(ACTIONS)}`,
        );
        return undefined;
      }
      if (actions.length > 1) {
        this.error(
          place,
          `A step has exactly one action, got ${list(actions)}; write each as its own "- " item`,
        );
        return undefined;
      }
      action = actions[0]!;
      value = raw[action];
      siblings = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== action));
    } else {
      this.error(place, `Expected a step to be an action or a mapping, got ${describe(raw)}`);
      return undefined;
    }
    if (!(ACTIONS as readonly string[]).includes(action)) {
      this.error(
        place,
        `Unknown action "${action}"${suggestion(action, ACTIONS)}; actions: ${list(ACTIONS)}`,
      );
      return undefined;
    }
    const base = {
      number: place.step ?? 0,
      line: place.line,
      source,
      ...(this.#via === undefined ? {} : { file: this.#file }),
    };
    switch (action) {
      case "connect":
        return this.connect(this.options(value, siblings, "as", place), base, place, suite, state);
      case "send":
        return this.send(this.options(value, siblings, "text", place), base, place, state);
      case "expect":
        return this.expect(this.options(value, siblings, "text", place), base, place, state);
      case "close":
        return this.close(this.options(value, siblings, "on", place), base, place, state);
      case "sleep": {
        const options = this.options(value, siblings, "duration", place);
        if (options === undefined) return undefined;
        this.checkKeys(options, ["duration"], place, `"sleep"`);
        const duration = this.duration(options.duration, place, `"sleep"`, UNSCALED);
        return duration === undefined
          ? undefined
          : { ...base, action: "sleep", duration, timeout: undefined };
      }
      case "set":
        return this.set(value, siblings, base, place, state);
      case "spawn":
        return this.spawn(this.options(value, siblings, "run", place), base, place, state);
      case "listen":
        return this.listen(this.options(value, siblings, "as", place), base, place, state);
      case "accept":
        return this.accept(this.options(value, siblings, "on", place), base, place, state);
      case "exit":
        return this.exit(this.options(value, siblings, "code", place), base, place, state);
      case "repeat":
        return this.repeat(
          this.options(value, siblings, "times", place),
          base,
          place,
          suite,
          state,
        );
      default:
        return this.include(
          this.options(value, siblings, "file", place),
          base,
          place,
          suite,
          state,
        );
    }
  }

  /** Merges an action's value and its sibling keys into one options map. */
  options(value: unknown, siblings: Record_, shorthand: string, place: Place): Record_ | undefined {
    let options: Record_;
    if (isRecord(value)) options = { ...value };
    else if (value === undefined || value === null) options = {};
    else if (Array.isArray(value)) {
      this.error(place, `Expected options or a value, got a list`);
      return undefined;
    } else options = { [shorthand]: value };
    for (const [key, sibling] of Object.entries(siblings)) {
      if (Object.hasOwn(options, key)) {
        this.error(place, `Option "${key}" is given twice`);
        return undefined;
      }
      options[key] = sibling;
    }
    return options;
  }

  timeout(options: Record_, place: Place): number | undefined {
    return options.timeout === undefined
      ? undefined
      : this.duration(options.timeout, place, `"timeout"`);
  }

  connectionName(value: unknown, place: Place, what: string): string | undefined {
    const name = this.string(value, place, what);
    if (name !== undefined && !NAME.test(name)) {
      this.error(place, `Invalid connection name "${name}": use letters, digits, "_" and "-"`);
      return undefined;
    }
    return name;
  }

  /** The connection a step uses, which must be open. */
  on(
    options: Record_,
    place: Place,
    state: ScenarioState,
  ): { name: string; kind: ConnectionKind } | undefined {
    const name = options.on === undefined
      ? DEFAULT_CONNECTION
      : this.connectionName(options.on, place, `"on"`);
    if (name === undefined) return undefined;
    const open = state.open.get(name);
    if (open === undefined) {
      const names = [...state.open.keys()];
      this.error(
        place,
        `Connection "${name}" is not open` +
          (names.length === 0
            ? name === DEFAULT_CONNECTION
              ? `; add "- connect" before this step`
              : `; add "- connect: ${name}" before this step`
            : `${suggestion(name, names)}; open connections: ${list(names)}`),
      );
      return undefined;
    }
    return { name, kind: open.kind };
  }

  connect(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    suite: SuiteContext,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, CONNECT_KEYS, place, `"connect"`);
    const as = options.as === undefined
      ? DEFAULT_CONNECTION
      : this.connectionName(options.as, place, `"as"`);
    let transport: Transport | undefined;
    if (options.transport !== undefined) {
      if (options.transport === "tcp" || options.transport === "udp") transport = options.transport;
      else {
        this.error(
          place,
          `Invalid transport ${describe(options.transport)}: expected "tcp" or "udp"`,
        );
      }
    }
    let to: string | undefined;
    let schemeTransport: Transport | undefined;
    if (options.to !== undefined) {
      to = this.string(options.to, place, `"to"`);
      if (to !== undefined) schemeTransport = this.address(to, place, state.defined, `"to"`);
    } else if (suite.server === undefined && suite.target === undefined && !suite.program) {
      this.error(
        place,
        `No address to connect to: give "to", or set the suite's "server", "target" or "spawn"`,
      );
    } else if (suite.target !== undefined) {
      schemeTransport = ADDRESS.exec(suite.target)?.[1] as Transport | undefined;
    }
    if (transport !== undefined && schemeTransport !== undefined && transport !== schemeTransport) {
      this.error(
        place,
        `Transport "${transport}" contradicts the address's scheme "${schemeTransport}"`,
      );
    }
    const resolved = transport ?? schemeTransport ??
      (options.to === undefined && suite.program ? suite.programTransport : "tcp");
    if (options.to === undefined && suite.server !== undefined) {
      const speaks = this.#servers[suite.server];
      if (speaks !== undefined && !speaks.includes(resolved)) {
        this.error(
          place,
          `The "${suite.server}" server does not speak ${resolved.toUpperCase()}; it speaks ${
            speaks.map((t) => t.toUpperCase()).join(" and ")
          }`,
        );
      }
    }
    let fails: ConnectFailure | undefined;
    if (options.fails !== undefined) {
      if (typeof options.fails === "string" && FAILURES.includes(options.fails)) {
        fails = options.fails as ConnectFailure;
      } else {
        this.error(
          place,
          `Invalid "fails" ${describe(options.fails)}${
            suggestion(String(options.fails), FAILURES)
          }; expected one of ${list(FAILURES)}`,
        );
      }
    }
    if (fails !== undefined && resolved === "udp") {
      this.error(place, `"fails" applies to TCP only: UDP has no connection to refuse or time out`);
    }
    const timeout = this.timeout(options, place);
    if (as === undefined) return undefined;
    const already = state.open.get(as);
    if (already !== undefined && fails === undefined) {
      this.error(
        place,
        `Connection "${as}" is already open (step ${already.step}); close it first or choose another name`,
      );
    }
    if (fails === undefined) state.open.set(as, { kind: resolved, step: base.number });
    return {
      ...base,
      action: "connect",
      as,
      to,
      transport: transport ?? schemeTransport,
      fails,
      timeout,
    };
  }

  payload(
    options: Record_,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): Payload | undefined {
    const given = (["text", "hex", "base64"] as const).filter((key) => options[key] !== undefined);
    if (given.length !== 1) {
      this.error(
        place,
        given.length === 0
          ? `${what} needs one of "text", "hex" or "base64"`
          : `${what} takes one of "text", "hex" or "base64", got ${list(given)}`,
      );
      return undefined;
    }
    const encoding = given[0]!;
    const value = this.string(options[encoding], place, `"${encoding}"`);
    if (value === undefined) return undefined;
    this.template(value, place, defined);
    if (!value.includes("${")) {
      if (encoding === "hex") {
        const digits = value.replace(/\s+/g, "");
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
          this.error(
            place,
            `Invalid hex "${value}": expected pairs of hex digits, optionally separated by spaces`,
          );
        }
      } else if (encoding === "base64") {
        try {
          decodeBase64(value.replace(/\s+/g, ""));
        } catch {
          this.error(place, `Invalid base64 "${value}"`);
        }
      }
    }
    return { encoding, value };
  }

  send(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, SEND_KEYS, place, `"send"`);
    const on = this.on(options, place, state);
    const payload = this.payload(options, place, state.defined, `"send"`);
    const timeout = this.timeout(options, place);
    const split = this.split(options, place);
    if (on?.kind === "tcp-listener") {
      this.error(place, `Cannot send on listener "${on.name}": accept a connection first`);
    }
    if (split !== undefined && (on?.kind === "udp" || on?.kind === "udp-listener")) {
      this.error(
        place,
        `"chunks" and "chunk_size" apply to streams: on UDP every send is one datagram`,
      );
    }
    if (on === undefined || payload === undefined) return undefined;
    return { ...base, action: "send", on: on.name, payload, split, timeout };
  }

  positiveInteger(
    value: unknown,
    place: Place,
    what: string,
    max = Number.MAX_SAFE_INTEGER,
  ): number | undefined {
    if (typeof value === "number" && Number.isInteger(value) && value > 0 && value <= max) {
      return value;
    }
    this.error(
      place,
      `Expected ${what} to be a whole number from 1 to ${max.toLocaleString("en")}, got ${
        describe(value)
      }`,
    );
    return undefined;
  }

  split(options: Record_, place: Place): Split | undefined {
    if (options.chunks === undefined && options.chunk_size === undefined) {
      if (options.delay !== undefined) {
        this.error(place, `"delay" goes with "chunks" or "chunk_size"`);
      }
      return undefined;
    }
    if (options.chunks !== undefined && options.chunk_size !== undefined) {
      this.error(place, `Give one of "chunks" and "chunk_size", not both`);
      return undefined;
    }
    const chunks = options.chunks === undefined
      ? undefined
      : this.positiveInteger(options.chunks, place, `"chunks"`, MAX_REPEAT_TIMES);
    const chunkSize = options.chunk_size === undefined
      ? undefined
      : this.positiveInteger(options.chunk_size, place, `"chunk_size"`, MAX_MAX_BUFFER);
    const delay = options.delay === undefined
      ? DEFAULT_SPLIT_DELAY
      : this.duration(options.delay, place, `"delay"`, UNSCALED) ?? DEFAULT_SPLIT_DELAY;
    if (chunks === undefined && chunkSize === undefined) return undefined;
    return { chunks, chunkSize, delay };
  }

  regex(pattern: string, place: Place, state: ScenarioState): string {
    this.template(pattern, place, state.defined);
    try {
      compileRegex(pattern.replace(/\$\{[^}]*\}/g, "x"));
    } catch (error) {
      this.error(place, (error as Error).message);
    }
    return pattern;
  }

  lineMatch(raw: unknown, place: Place, state: ScenarioState): LineMatch | undefined {
    if (typeof raw === "string") {
      this.template(raw, place, state.defined);
      return { kind: "equals", text: raw };
    }
    if (!isRecord(raw)) {
      this.error(
        place,
        `Expected a line to be a string or one of ${list(LINE_KINDS)}, got ${describe(raw)}`,
      );
      return undefined;
    }
    this.checkKeys(raw, LINE_KINDS, place, "a line");
    const kinds = LINE_KINDS.filter((key) => raw[key] !== undefined);
    if (kinds.length !== 1) {
      this.error(
        place,
        `A line takes exactly one of ${list(LINE_KINDS)}, got ${
          kinds.length === 0 ? "none" : list(kinds)
        }`,
      );
      return undefined;
    }
    const kind = kinds[0]!;
    if (kind === "json") return { kind: "json", value: raw.json };
    const text = this.string(raw[kind], place, `"${kind}"`);
    if (text === undefined) return undefined;
    if (kind === "regex") return { kind: "regex", pattern: this.regex(text, place, state) };
    this.template(text, place, state.defined);
    return kind === "text" ? { kind: "equals", text } : { kind: "contains", text };
  }

  expect(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, EXPECT_KEYS, place, `"expect"`);
    const on = this.on(options, place, state);
    const timeout = this.timeout(options, place);
    const kinds = EXPECT_KINDS.filter((key) => options[key] !== undefined);
    if (kinds.length !== 1) {
      this.error(
        place,
        kinds.length === 0
          ? `"expect" needs one of ${list(EXPECT_KINDS)}`
          : `"expect" takes one of ${list(EXPECT_KINDS)}, got ${list(kinds)}; use one step each`,
      );
      return undefined;
    }
    const kind = kinds[0]!;
    const value = options[kind];
    const datagrams = on?.kind === "udp" || on?.kind === "udp-listener";
    if (on !== undefined && datagrams && ["line", "lines", "unordered", "closed"].includes(kind)) {
      this.error(
        place,
        `"${kind}" does not apply to UDP connection "${on.name}": a UDP expect matches one whole datagram with "text", "hex", "base64", "contains", "regex", "json" or "silence"`,
      );
    }
    if (on?.kind === "tcp-listener") {
      this.error(
        place,
        `Cannot expect on listener "${on.name}": accept a connection first (- accept: { on: ${on.name}, as: conn })`,
      );
    }
    let stream: "stdout" | "stderr" = "stdout";
    if (options.stream !== undefined) {
      if (on !== undefined && on.kind !== "process") {
        this.error(place, `"stream" applies to spawned processes; "${on.name}" is a connection`);
      } else if (options.stream === "stderr" || options.stream === "stdout") {
        stream = options.stream;
      } else {
        this.error(
          place,
          `Expected "stream" to be "stdout" or "stderr", got ${describe(options.stream)}`,
        );
      }
    }
    let expectation: Expectation | undefined;
    switch (kind) {
      case "text":
      case "hex":
      case "base64": {
        const payload = this.payload({ [kind]: value }, place, state.defined, `"expect"`);
        if (payload !== undefined) expectation = { kind: "bytes", payload };
        break;
      }
      case "line": {
        const line = this.lineMatch(value, place, state);
        if (line !== undefined) expectation = { kind: "line", line };
        break;
      }
      case "lines":
      case "unordered": {
        if (!Array.isArray(value) || value.length === 0) {
          this.error(
            place,
            `Expected "${kind}" to be a non-empty list of lines, got ${describe(value)}`,
          );
          break;
        }
        const lines = value.map((item: unknown) => this.lineMatch(item, place, state));
        if (lines.every((line): line is LineMatch => line !== undefined)) {
          expectation = { kind, lines };
        }
        break;
      }
      case "contains": {
        const text = this.string(value, place, `"contains"`);
        if (text !== undefined) {
          this.template(text, place, state.defined);
          if (text === "") this.error(place, `"contains" needs a non-empty text`);
          expectation = { kind: "contains", text };
        }
        break;
      }
      case "regex": {
        const pattern = this.string(value, place, `"regex"`);
        if (pattern !== undefined) {
          expectation = { kind: "regex", pattern: this.regex(pattern, place, state) };
        }
        break;
      }
      case "json":
        expectation = { kind: "json", value };
        break;
      case "closed":
        if (value === true) expectation = { kind: "closed", how: "close" };
        else if (value === "reset") expectation = { kind: "closed", how: "reset" };
        else {
          this.error(
            place,
            `Expected "closed" to be true or "reset", got ${describe(value)}`,
          );
        }
        break;
      case "silence": {
        const duration = this.duration(value, place, `"silence"`, UNSCALED);
        if (duration !== undefined) expectation = { kind: "silence", duration };
        break;
      }
    }
    if (expectation !== undefined) {
      for (const name of capturedNames(expectation)) state.defined.add(name);
    }
    if (on === undefined || expectation === undefined) return undefined;
    return { ...base, action: "expect", on: on.name, stream, expectation, timeout };
  }

  close(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["on", "how"], place, `"close"`);
    const on = this.on(options, place, state);
    let how: "full" | "half" = "full";
    if (options.how === "half") how = "half";
    else if (options.how === "reset") {
      this.error(
        place,
        `"how: reset" is not available: Deno cannot abort a TCP connection with a reset (it offers no SO_LINGER); use "how: half" or a full close`,
      );
    } else if (options.how !== undefined && options.how !== "full") {
      this.error(place, `Expected "how" to be "full" or "half", got ${describe(options.how)}`);
    }
    if (how === "half" && on !== undefined && on.kind !== "tcp") {
      this.error(place, `"how: half" applies to TCP connections; "${on.name}" is not one`);
    }
    if (on === undefined) return undefined;
    // A half-closed connection can still be read; a process whose stdin is closed can too.
    if (how === "full" && on.kind !== "process") state.open.delete(on.name);
    return { ...base, action: "close", on: on.name, how, timeout: undefined };
  }

  /** A name for something a step opens, which must not be open already. */
  newName(
    value: unknown,
    fallback: string,
    place: Place,
    state: ScenarioState,
    what: string,
  ): string | undefined {
    const name = value === undefined ? fallback : this.connectionName(value, place, what);
    if (name === undefined) return undefined;
    const already = state.open.get(name);
    if (already !== undefined) {
      this.error(
        place,
        `Connection "${name}" is already open (step ${already.step}); close it first or choose another name`,
      );
    }
    return name;
  }

  spawn(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, STEP_SPAWN_KEYS, place, `"spawn"`);
    if (options.run === undefined) {
      this.error(place, `"spawn" needs "run": the command to start`);
      return undefined;
    }
    const run = this.command(options.run, place, state.defined);
    const cwd = options.cwd === undefined ? undefined : this.string(options.cwd, place, `"cwd"`);
    const env = this.environment(options.env, place, state.defined);
    const as = this.newName(options.as, "main", place, state, `"as"`);
    if (as === undefined || run === undefined) return undefined;
    state.open.set(as, { kind: "process", step: base.number });
    return { ...base, action: "spawn", as, run, cwd, env, timeout: undefined };
  }

  listen(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["as", "transport", "port"], place, `"listen"`);
    const as = this.newName(options.as, "srv", place, state, `"as"`);
    let transport: Transport = "tcp";
    if (options.transport === "udp") transport = "udp";
    else if (options.transport !== undefined && options.transport !== "tcp") {
      this.error(
        place,
        `Invalid transport ${describe(options.transport)}: expected "tcp" or "udp"`,
      );
    }
    let port: string | undefined;
    if (typeof options.port === "number") {
      if (this.port(options.port, place) !== undefined) port = String(options.port);
    } else if (typeof options.port === "string") {
      this.template(options.port, place, state.defined);
      port = options.port;
    } else if (options.port !== undefined) {
      this.port(options.port, place);
    }
    if (as === undefined) return undefined;
    state.open.set(as, {
      kind: transport === "tcp" ? "tcp-listener" : "udp-listener",
      step: base.number,
    });
    state.defined.add(`${as}.port`);
    return { ...base, action: "listen", as, transport, port, timeout: undefined };
  }

  accept(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["on", "as", "timeout"], place, `"accept"`);
    const on = options.on === undefined
      ? [...state.open].find(([, open]) => open.kind === "tcp-listener")?.[0]
      : this.on(options, place, state)?.name;
    if (on === undefined) {
      if (options.on === undefined) {
        this.error(place, `"accept" needs a TCP listener: add "- listen: srv" first`);
      }
      return undefined;
    }
    const listener = state.open.get(on);
    if (listener !== undefined && listener.kind !== "tcp-listener") {
      this.error(
        place,
        listener.kind === "udp-listener"
          ? `A UDP listener has no connections to accept: expect on "${on}" takes the next datagram`
          : `"${on}" is not a TCP listener`,
      );
    }
    const as = this.newName(options.as, "conn", place, state, `"as"`);
    const timeout = this.timeout(options, place);
    if (as === undefined) return undefined;
    state.open.set(as, { kind: "tcp", step: base.number });
    return { ...base, action: "accept", on, as, timeout };
  }

  exit(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["on", "code", "timeout"], place, `"exit"`);
    const on = this.on(options, place, state);
    if (on !== undefined && on.kind !== "process") {
      this.error(place, `"exit" applies to spawned processes; "${on.name}" is a connection`);
    }
    const code = options.code === undefined ? 0 : options.code;
    if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255) {
      this.error(place, `Expected "code" to be an exit code from 0 to 255, got ${describe(code)}`);
      return undefined;
    }
    const timeout = this.timeout(options, place);
    if (on === undefined) return undefined;
    // Its remaining output can still be read after it exits.
    return { ...base, action: "exit", on: on.name, code, timeout };
  }

  repeat(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    suite: SuiteContext,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["times", "concurrency", "steps", "max_p95"], place, `"repeat"`);
    const times = this.positiveInteger(options.times, place, `"times"`, MAX_REPEAT_TIMES);
    const concurrency = options.concurrency === undefined
      ? 1
      : this.positiveInteger(options.concurrency, place, `"concurrency"`, MAX_CONCURRENCY);
    const maxP95 = options.max_p95 === undefined
      ? undefined
      : this.duration(options.max_p95, place, `"max_p95"`, UNSCALED);
    if (!Array.isArray(options.steps) || options.steps.length === 0) {
      this.error(
        place,
        `Expected "steps" of "repeat" to be a non-empty list, got ${describe(options.steps)}`,
      );
      return undefined;
    }
    // Each iteration has its own connections and variables; none leak out.
    const inner: ScenarioState = {
      open: new Map(state.open),
      defined: new Set([...state.defined, "i"]),
    };
    const steps = this.steps(options.steps, place.scenario, suite, inner);
    if (times === undefined || concurrency === undefined || steps.length !== options.steps.length) {
      return undefined;
    }
    return { ...base, action: "repeat", times, concurrency, steps, maxP95, timeout: undefined };
  }

  include(
    options: Record_ | undefined,
    base: Omit<StepBase, "timeout">,
    place: Place,
    suite: SuiteContext,
    state: ScenarioState,
  ): Step | undefined {
    if (options === undefined) return undefined;
    this.checkKeys(options, ["file", "vars"], place, `"include"`);
    const path = this.string(options.file, place, `"file"`);
    if (path === undefined) return undefined;
    const variables = options.vars === undefined ? {} : this.textMap(
      options.vars,
      place,
      { key: "vars", entry: "variable", variables: true },
      state.defined,
    ) ?? {};
    for (const name of Object.keys(variables)) state.defined.add(name);
    const file = join(this.#dir, path);
    const here = `${this.#file}${
      place.line === undefined ? "" : `:${place.line}`
    }, step ${place.step}`;
    if (this.#shared.stack.includes(file)) {
      this.error(
        place,
        `Include cycle: ${
          [...this.#shared.stack.slice(this.#shared.stack.indexOf(file)), file].map((f) => `"${f}"`)
            .join(" includes ")
        }`,
      );
      return undefined;
    }
    let text: string;
    try {
      text = this.#shared.readFile(file);
    } catch (error) {
      const reason = error instanceof SuiteFileError
        ? error.reason
        : error instanceof Deno.errors.NotFound
        ? "no such file"
        : (error as Error).message;
      this.error(place, `Cannot read include "${file}": ${reason}`);
      return undefined;
    }
    let doc: YamlDocument;
    try {
      doc = parseYaml(text);
    } catch (error) {
      this.#shared.issues.push({
        file,
        line: error instanceof YamlSyntaxError ? error.line : undefined,
        scenario: place.scenario,
        step: undefined,
        message: `${(error as Error).message} (included from ${here})`,
      });
      return undefined;
    }
    const fragment = doc.value;
    if (!isRecord(fragment) || !Array.isArray(fragment.steps) || fragment.steps.length === 0) {
      this.error(place, `Include "${file}" must be a mapping with a non-empty "steps" list`);
      return undefined;
    }
    // Variables with literal values are written into the fragment before it is
    // checked, so they can name connections (`connect: ${user}`).
    const literal = Object.fromEntries(
      Object.entries(variables).filter(([, value]) => !value.includes("$")),
    );
    substitute(fragment.steps, literal);
    const child = new Validator(doc, file, this.#shared, here);
    child.checkKeys(fragment, ["steps", "name"], {}, "an include fragment");
    this.#shared.stack.push(file);
    const before = this.#shared.issues.length + this.#shared.unshown;
    const steps = child.steps(fragment.steps, place.scenario, suite, state);
    this.#shared.stack.pop();
    if (this.#shared.issues.length + this.#shared.unshown > before) return undefined;
    return { ...base, action: "include", path, variables, steps, timeout: undefined };
  }

  set(
    value: unknown,
    siblings: Record_,
    base: Omit<StepBase, "timeout">,
    place: Place,
    state: ScenarioState,
  ): Step | undefined {
    const variables = isRecord(value) && Object.keys(value).length === 0 ? undefined : this.textMap(
      value,
      place,
      { key: "set", entry: "variable", variables: true },
      state.defined,
    );
    if (variables === undefined) {
      if (isRecord(value)) {
        this.error(
          place,
          `Expected "set" to be a mapping of names to values, got an empty mapping`,
        );
      }
      return undefined;
    }
    this.checkKeys(siblings, [], place, `"set"`);
    for (const name of Object.keys(variables)) state.defined.add(name);
    return { ...base, action: "set", variables, timeout: undefined };
  }
}

interface SuiteContext {
  server: string | undefined;
  target: string | undefined;
  program: boolean;
  programTransport: Transport;
  defined: ReadonlySet<string>;
}

interface ScenarioState {
  open: Map<string, OpenConnection>;
  defined: Set<string>;
}

/** The regex groups an expectation captures. */
function capturedNames(expectation: Expectation): string[] {
  switch (expectation.kind) {
    case "regex":
      return groupNames(expectation.pattern);
    case "line":
      return expectation.line.kind === "regex" ? groupNames(expectation.line.pattern) : [];
    case "lines":
    case "unordered":
      return expectation.lines.flatMap((line) =>
        line.kind === "regex" ? groupNames(line.pattern) : []
      );
    default:
      return [];
  }
}

/**
 * Validates a parsed suite document. Every problem is collected; none stops
 * the others from being found.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseYaml } from "./yaml.ts";
 * import { validateSuite } from "./validate.ts";
 * const suite = validateSuite(parseYaml("name: s\nserver: echo\nsteps: [connect]\n"));
 * assert(suite.scenarios.length === 1);
 * ```
 *
 * @param doc The parsed document.
 * @param options The file name and the known servers.
 * @returns The typed suite.
 * @throws {InvalidSuiteError} With every problem, when there is any.
 */
export function validateSuite(doc: YamlDocument, options: ValidateOptions = {}): Suite {
  const file = options.file ?? "<text>";
  const shared: Shared = {
    issues: [],
    servers: options.servers ?? SERVER_TRANSPORTS,
    readFile: options.readFile ?? readSuiteFileSync,
    external: options.variables ?? [],
    stack: [file],
    timeoutScale: options.timeoutScale ?? 1,
    unshown: 0,
  };
  const suite = new Validator(doc, file, shared).suite();
  if (shared.issues.length > 0 || suite === undefined) {
    // The suite's own problems in line order; those of included files after them.
    const issues = [...shared.issues].sort((a, b) =>
      a.file === b.file
        ? (a.line ?? 0) - (b.line ?? 0)
        : a.file === file
        ? -1
        : b.file === file
        ? 1
        : 0
    );
    if (shared.unshown > 0) {
      issues.push({
        file,
        line: undefined,
        scenario: undefined,
        step: undefined,
        message: `${shared.unshown} more ${
          shared.unshown === 1 ? "problem" : "problems"
        } not shown (only the first ${MAX_ISSUES} are)`,
      });
    }
    throw new InvalidSuiteError(file, issues);
  }
  return suite;
}
