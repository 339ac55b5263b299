/**
 * The validator: suite- and scenario-level decoding, and the decoding kit's
 * checks that every action's decoder uses. Problems are collected, with
 * their file, line and column; none stops the others from being found.
 *
 * @module
 */

import { decodeBase64 } from "@std/encoding/base64";
import { dirname } from "@std/path/posix/dirname";
import { join } from "@std/path/posix/join";
import { resolve } from "@std/path/posix/resolve";
import { CLIP_TEXT, clipText } from "../clip.ts";
import { splitCommandLine } from "../command_line.ts";
import { formatDuration, MAX_DURATION, parseDuration } from "../duration.ts";
import { formatSize } from "../size.ts";
import type { ValidationIssue } from "../errors.ts";
import { parseTemplate } from "../interpolate.ts";
import { compileRegex } from "../match/regex.ts";
import {
  DEFAULT_CONNECTION,
  DEFAULT_MAX_BUFFER,
  DEFAULT_READY_TIMEOUT,
  DEFAULT_SPLIT_DELAY,
  DEFAULT_TIMEOUT,
  type FieldSpec,
  type Framing,
  type LeaderboardSpec,
  type LineMatch,
  type Payload,
  type ProcessLimits,
  PROGRAM_CHANNEL,
  type Readiness,
  type Scenario,
  type Split,
  type Step,
  type Suite,
  type SuiteProgram,
  type TlsSpec,
  type Transport,
} from "../suite.ts";
import { ADDRESS_FORMS, type AddressScheme, addressShape } from "../address.ts";
import { INT_TYPES, intRange, type IntType } from "../binary.ts";
import { LENGTH_PREFIXES } from "../framing.ts";
import { type Faults, type FaultSet, TCP_FAULTS, UDP_FAULTS } from "../faults.ts";
import { SuiteFileError } from "../suite_file.ts";
import { parseYaml, type YamlDocument, YamlSyntaxError } from "../yaml.ts";
import { ACTION_NAMES, actionSpec } from "../steps/registry.ts";
import { defaultOrder, LEADERBOARD_VALUES } from "../leaderboard.ts";
import {
  alternatives,
  closest,
  formatProblem,
  type Problem,
  type ProblemCode,
  type ProblemDetails,
} from "./problems.ts";
import {
  type ActionInput,
  type ConnectionKind,
  type DecodeKit,
  describe,
  isRecord,
  list,
  MAX_MAX_BUFFER,
  MAX_REPEAT_TIMES,
  NAME,
  type Options,
  type Place,
  type ScenarioState,
  type SuiteContext,
  TRANSPORTS,
  UNSCALED,
} from "./kit.ts";

type Record_ = Options;

const SUITE_KEYS = [
  "name",
  "server",
  "target",
  "tls",
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
const SCENARIO_KEYS = ["name", "steps", "timeout", "skip", "points", "hidden", "leaderboard"];
const LEADERBOARD_KEYS = ["name", "value", "order"];
const SUITE_SPAWN_KEYS = [
  "run",
  "cwd",
  "env",
  "port",
  "transport",
  "ready",
  "timeout",
  "per",
  "limits",
  "sandbox",
];
const FIELD_KINDS = [...INT_TYPES, "hex", "text", "skip"];
const TLS_KEYS = ["ca", "servername", "insecure", "cert", "key", "alpn"];
const LIMIT_KEYS = ["cpu", "memory", "processes", "file_size", "open_files"];
const LINE_KINDS = ["text", "contains", "regex", "json"];

/** The most problems reported for one file; the rest are counted. */
export const MAX_ISSUES = 50;
const MIN_MAX_BUFFER = 1024;

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

/** `scenarios[0].steps[2]`, `expect.timeout`: a path in the document, as messages and JSON show it. */
function joinPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const part = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
  return parent === "" ? part : `${parent}.${part}`;
}

/** What the validators of a suite and its include fragments share. */
export interface Shared {
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

/** Decodes one document (a suite, or an include fragment) into typed values, collecting problems. */
export class Validator implements DecodeKit {
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

  get servers(): Readonly<Record<string, readonly Transport[]>> {
    return this.#shared.servers;
  }

  /** Whether the file already has as many problems as are shown. */
  get full(): boolean {
    return this.#shared.issues.length >= MAX_ISSUES;
  }

  problem<C extends ProblemCode>(place: Place, code: C, details: ProblemDetails[C]): void {
    if (this.full) {
      this.#shared.unshown++;
      return;
    }
    this.#lines ??= this.#doc.text.split(/\r?\n/);
    const source = place.line === undefined ? undefined : this.#lines[place.line - 1];
    // Without a key to point at, the caret goes to the entry's first character.
    const column = place.column ??
      (place.entry === undefined
        ? undefined
        : this.#doc.columnOf(place.entry.container, place.entry.key)) ??
      (source === undefined ? undefined : (/^\s*(-\s+)?/.exec(source)?.[0].length ?? 0) + 1);
    const message = formatProblem({ code, details } as Problem);
    const parent = place.entry === undefined
      ? undefined
      : this.#paths().byContainer.get(place.entry.container);
    const path = parent !== undefined
      ? joinPath(parent, place.entry!.key)
      : place.line === undefined
      ? undefined
      : this.#pathAt(place.line, column);
    this.#shared.issues.push({
      file: this.#file,
      line: place.line,
      ...(column === undefined ? {} : { column }),
      ...(source === undefined ? {} : { source }),
      scenario: place.scenario,
      step: place.step,
      message: this.#via === undefined ? message : `${message} (included from ${this.#via})`,
      code,
      ...(path === undefined ? {} : { path }),
      details: details as Readonly<Record<string, unknown>>,
    });
  }

  /** Where a step's options came from: a merged map's keys sit in its action's value or the step. */
  readonly #origins = new WeakMap<object, readonly object[]>();

  lineOf(container: unknown, key: string | number, fallback?: number): number | undefined {
    return this.#where(container, key, (map) => this.#doc.lineOf(map, key)) ?? fallback;
  }

  /** The column of a key in a mapping (a step's merged options included). */
  columnOf(container: unknown, key: string | number): number | undefined {
    return this.#where(container, key, (map) => this.#doc.columnOf(map, key));
  }

  at(place: Place, container: unknown, key: string | number): Place {
    const origin = this.#origin(container, key);
    const line = origin === undefined ? undefined : this.#doc.lineOf(origin, key);
    if (line === undefined) return place;
    // The column is found only for a problem: most places never have one.
    return { ...place, line, column: undefined, entry: { container: origin as object, key } };
  }

  /** The mapping or list that holds `key` as written: `container`, or one a merged copy came from. */
  #origin(container: unknown, key: string | number): unknown {
    if (this.#doc.lineOf(container, key) !== undefined) return container;
    if (typeof container !== "object" || container === null) return undefined;
    return (this.#origins.get(container) ?? []).find((origin) =>
      isRecord(origin) && Object.hasOwn(origin, String(key))
    );
  }

  #where(
    container: unknown,
    key: string | number,
    find: (map: unknown) => number | undefined,
  ): number | undefined {
    const origin = this.#origin(container, key);
    return origin === undefined ? undefined : find(origin);
  }

  /**
   * Paths in the document, made on the first problem: valid files never pay
   * for them. Each mapping and list maps to its path, each written position
   * to the shallowest entry there.
   */
  #pathIndex: { byContainer: WeakMap<object, string>; byPosition: Map<string, string> } | undefined;

  #paths(): { byContainer: WeakMap<object, string>; byPosition: Map<string, string> } {
    if (this.#pathIndex !== undefined) return this.#pathIndex;
    const byContainer = new WeakMap<object, string>();
    const byPosition = new Map<string, string>();
    const walk = (value: unknown, path: string): void => {
      if (typeof value !== "object" || value === null || byContainer.has(value)) return;
      byContainer.set(value, path);
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((item, index) => [index, item])
        : Object.entries(value);
      for (const [key, item] of entries) {
        const line = this.#doc.lineOf(value, key);
        const entryPath = joinPath(path, key);
        if (line !== undefined) {
          const position = `${line}:${this.#doc.columnOf(value, key)}`;
          if (!byPosition.has(position)) byPosition.set(position, entryPath);
        }
        walk(item, entryPath);
      }
    };
    walk(this.#doc.value, "");
    this.#pathIndex = { byContainer, byPosition };
    return this.#pathIndex;
  }

  #pathAt(line: number, column: number | undefined): string | undefined {
    return this.#paths().byPosition.get(`${line}:${column}`);
  }

  /** Reports keys outside `allowed`, with a suggestion. */
  checkKeys(map: Record_, allowed: readonly string[], place: Place, what: string): boolean {
    let known = true;
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) {
        known = false;
        this.problem(this.at(place, map, key), "unknown-key", { key, in: what, allowed });
      }
    }
    return known;
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
    this.problem(place, "wrong-type", { what, expected: "a string", got: describe(value) });
    return undefined;
  }

  /** A list of variable names, e.g. `secrets`. */
  names(value: unknown, place: Place): string[] {
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string")) {
      this.problem(place, "wrong-type", {
        what: `"secrets"`,
        expected: "a list of variable names",
        got: describe(value),
      });
      return [];
    }
    for (const name of value) {
      if (!NAME.test(name)) {
        this.problem(place, "invalid-value", {
          what: "variable name",
          value: name,
          in: `"secrets"`,
          expected: `letters, digits, "_" and "-"`,
        });
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
      this.problem(place, "wrong-type", {
        what,
        expected: `a duration like "2s" or "150ms"`,
        got: describe(value),
      });
      return undefined;
    }
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      this.problem(place, "invalid-duration", { what, reason: (error as Error).message });
      return undefined;
    }
    const scale = options.scaled === false ? 1 : this.#shared.timeoutScale;
    if (ms * scale > MAX_DURATION) {
      this.problem(place, "duration-too-long", {
        what,
        value,
        scale,
        scaled: formatDuration(ms * scale),
      });
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
      this.problem(place, "invalid-template", { message: (error as Error).message });
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
        this.problem(place, "undefined-variable", {
          name: part.name,
          text,
          defined: [...defined],
        });
      }
    }
  }

  suite(): Suite | undefined {
    const root = this.#doc.value;
    if (!isRecord(root)) {
      this.problem({}, "wrong-type", {
        what: "a suite",
        expected: `a mapping with "name" and "scenarios"`,
        got: describe(root),
      });
      return undefined;
    }
    this.checkKeys(root, SUITE_KEYS, {}, "the suite");
    const at = (key: string): Place => ({ line: this.lineOf(root, key) });
    const name = root.name === undefined
      ? this.#file.replace(/^.*[\\/]/, "").replace(/\.ya?ml$/, "")
      : this.string(root.name, at("name"), `"name"`);

    let server: string | undefined;
    let stub: string | undefined;
    if (isRecord(root.server)) {
      // A stub file, checked when the suite starts it.
      this.checkKeys(root.server, ["stub"], at("server"), `"server"`);
      const path = this.string(root.server.stub, at("server"), `"stub"`);
      if (path !== undefined) stub = resolve(this.#dir, path);
    } else if (root.server !== undefined) {
      server = this.string(root.server, at("server"), `"server"`);
      if (server !== undefined && !Object.hasOwn(this.servers, server)) {
        this.problem(at("server"), "unknown-server", {
          server,
          allowed: Object.keys(this.servers),
        });
        server = undefined;
      }
    }
    let target: string | undefined;
    if (root.target !== undefined) {
      target = this.string(root.target, at("target"), `"target"`);
      if (target !== undefined) this.address(target, at("target"), new Set(), `"target"`);
    }
    const tls = root.tls === undefined
      ? undefined
      : this.tls(root.tls, at("tls"), new Set(this.#shared.external));
    const addresses = ["server", "target", "spawn"].filter((key) => root[key] !== undefined);
    if (addresses.length > 1) {
      this.problem(at(addresses[1]!), "one-of-keys", {
        in: "A suite",
        keys: ["server", "target", "spawn"],
        given: addresses,
        optional: true,
      });
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
      // A stub speaks what its file says: no transport is ruled out here.
      server: typeof root.server === "string"
        ? root.server
        : stub === undefined
        ? undefined
        : "stub",
      target,
      program: root.spawn !== undefined,
      programTransport: program?.transport ?? "tcp",
      defined,
    };
    if (root.scenarios !== undefined && root.steps !== undefined) {
      this.problem(at("steps"), "one-of-keys", {
        in: "A suite",
        keys: ["scenarios", "steps"],
        given: ["scenarios", "steps"],
      });
    } else if (root.steps !== undefined) {
      const scenario = this.scenario({ name, steps: root.steps }, undefined, undefined, context);
      if (scenario !== undefined) scenarios = [scenario];
    } else if (!Array.isArray(root.scenarios) || root.scenarios.length === 0) {
      if (root.scenarios === undefined) {
        this.problem({}, "one-of-keys", { in: "A suite", keys: ["scenarios", "steps"], given: [] });
      } else {
        this.problem(at("scenarios"), "wrong-type", {
          what: `"scenarios"`,
          expected: "a non-empty list",
          got: describe(root.scenarios),
        });
      }
    } else {
      root.scenarios.forEach((raw: unknown, index: number) => {
        const line = this.lineOf(root.scenarios, index);
        const label = isRecord(raw) && typeof raw.name === "string" ? raw.name : `#${index + 1}`;
        if (!isRecord(raw)) {
          this.problem(this.at({ scenario: label }, root.scenarios, index), "wrong-type", {
            what: "a scenario",
            expected: `a mapping with "name" and "steps"`,
            got: describe(raw),
          });
          return;
        }
        const scenario = this.scenario(raw, label, line, context);
        if (scenario !== undefined) scenarios.push(scenario);
      });
      const seen = new Set<string>();
      for (const scenario of scenarios) {
        if (seen.has(scenario.name)) {
          this.problem({ line: scenario.line, scenario: scenario.name }, "duplicate-scenario", {
            name: scenario.name,
          });
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
      ...(stub === undefined ? {} : { stub }),
      target,
      ...(tls === undefined ? {} : { tls }),
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
      this.problem(place, "wrong-type", {
        what: `"wait"`,
        expected: "an address or { for, timeout }",
        got: describe(raw),
      });
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
        this.problem(place, "invalid-command", { message: (error as Error).message });
        return undefined;
      }
      this.template(value, place, defined);
      return value;
    }
    if (Array.isArray(value) && value.length > 0 && value.every((arg) => typeof arg === "string")) {
      for (const arg of value) this.template(arg, place, defined);
      return value;
    }
    this.problem(place, "wrong-type", {
      what: `"run"`,
      expected: "a command line or a non-empty list of arguments",
      got: describe(value),
    });
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
      this.problem(place, "wrong-type", {
        what: `"${what.key}"`,
        expected: "a mapping of names to values",
        got: describe(value),
      });
      return undefined;
    }
    const map: Record<string, string> = {};
    for (const [key, raw] of Object.entries(value)) {
      const at = this.at(place, value, key);
      if (what.variables && !NAME.test(key)) {
        this.problem(at, "invalid-value", {
          what: "variable name",
          value: key,
          expected: `letters, digits, "_" and "-"`,
        });
      }
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
    this.problem(place, "wrong-type", {
      what: `"port"`,
      expected: "a port number from 1 to 65535",
      got: describe(value),
    });
    return undefined;
  }

  suiteProgram(raw: unknown, place: Place, defined: ReadonlySet<string>): SuiteProgram | undefined {
    if (typeof raw === "string" || Array.isArray(raw)) raw = { run: raw };
    if (!isRecord(raw)) {
      this.problem(place, "wrong-type", {
        what: `"spawn"`,
        expected: `a command line or a mapping with "run"`,
        got: describe(raw),
      });
      return undefined;
    }
    this.checkKeys(raw, SUITE_SPAWN_KEYS, place, `"spawn"`);
    const at = (key: string): Place => this.at(place, raw, key);
    if (raw.run === undefined) {
      this.problem(place, "missing-key", {
        key: "run",
        in: `"spawn"`,
        purpose: "the command that starts the program under test",
      });
      return undefined;
    }
    const run = this.command(raw.run, at("run"), defined);
    const port = raw.port === undefined ? undefined : this.port(raw.port, at("port"));
    const transport: Transport = raw.transport === undefined
      ? "tcp"
      : this.oneOf(raw.transport, TRANSPORTS, at("transport"), `"transport"`) ?? "tcp";
    const ready: Readiness = raw.ready === undefined
      ? { kind: "port" }
      : this.readiness(raw.ready, at("ready")) ?? { kind: "port" };
    const per = raw.per === undefined
      ? "suite"
      : this.oneOf(raw.per, ["suite", "scenario"] as const, at("per"), `"per"`) ?? "suite";
    const timeout = raw.timeout === undefined
      ? DEFAULT_READY_TIMEOUT
      : this.duration(raw.timeout, at("timeout"), `"timeout"`) ?? DEFAULT_READY_TIMEOUT;
    const cwd = raw.cwd === undefined ? undefined : this.string(raw.cwd, at("cwd"), `"cwd"`);
    const env = this.environment(raw.env, at("env"), defined);
    const limits = raw.limits === undefined ? undefined : this.limits(raw.limits, at("limits"));
    const sandbox = raw.sandbox === undefined
      ? false
      : this.flag(raw.sandbox, at("sandbox"), `"sandbox"`) ?? false;
    if (run === undefined) return undefined;
    return { run, cwd, env, port, transport, ready, timeout, per, limits, sandbox };
  }

  tls(value: unknown, place: Place, defined: ReadonlySet<string>): TlsSpec | undefined {
    if (!isRecord(value)) {
      this.problem(place, "wrong-type", {
        what: `"tls"`,
        expected: `a mapping of ${list(TLS_KEYS)}`,
        got: describe(value),
      });
      return undefined;
    }
    this.checkKeys(value, TLS_KEYS, place, `"tls"`);
    const at = (key: string): Place => this.at(place, value, key);
    const spec: Record<string, unknown> = {};
    for (const key of ["ca", "servername", "cert", "key"] as const) {
      if (value[key] === undefined) continue;
      const text = this.string(value[key], at(key), `"${key}"`);
      if (text === undefined) continue;
      this.template(text, at(key), defined);
      spec[key] = text;
    }
    if (value.insecure !== undefined) {
      const insecure = this.flag(value.insecure, at("insecure"), `"insecure"`);
      if (insecure !== undefined) spec.insecure = insecure;
    }
    if (value.alpn !== undefined) {
      if (
        Array.isArray(value.alpn) &&
        value.alpn.every((item) => typeof item === "string" && item !== "")
      ) {
        spec.alpn = value.alpn;
      } else {
        this.problem(at("alpn"), "wrong-type", {
          what: `"alpn"`,
          expected: "a list of protocol names",
          got: describe(value.alpn),
        });
      }
    }
    if ((spec.cert === undefined) !== (spec.key === undefined)) {
      this.problem(place, "requires-key", {
        key: spec.cert === undefined ? "key" : "cert",
        requires: [spec.cert === undefined ? "cert" : "key"],
      });
    }
    if (spec.insecure === true && (spec.ca !== undefined || spec.servername !== undefined)) {
      this.problem(at("insecure"), "does-not-apply", {
        what: `"insecure: true"`,
        applies: `connections without "ca" or "servername"`,
        why: "it skips the verification they configure",
      });
    }
    return spec as TlsSpec;
  }

  fields(
    value: unknown,
    place: Place,
    defined: ReadonlySet<string>,
    options: { expect: boolean; captures?: Set<string> },
  ): FieldSpec[] | undefined {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(place, "wrong-type", {
        what: `"fields"`,
        expected: "a non-empty list of fields",
        got: describe(value),
      });
      return undefined;
    }
    const fields: FieldSpec[] = [];
    let valid = true;
    value.forEach((item: unknown, index: number) => {
      const at = this.at(place, value, index);
      const field = this.field(item, at, defined, options);
      if (field === undefined) valid = false;
      else fields.push(field);
    });
    return valid ? fields : undefined;
  }

  field(
    item: unknown,
    place: Place,
    defined: ReadonlySet<string>,
    options: { expect: boolean; captures?: Set<string> },
  ): FieldSpec | undefined {
    const kinds = isRecord(item) ? FIELD_KINDS.filter((key) => item[key] !== undefined) : [];
    if (!isRecord(item) || kinds.length !== 1 || Object.keys(item).length !== 1) {
      this.problem(place, "wrong-type", {
        what: "a field",
        expected: `a mapping with one of ${list(FIELD_KINDS)}`,
        got: describe(item),
      });
      return undefined;
    }
    const kind = kinds[0]!;
    const raw = item[kind];
    const at = this.at(place, item, kind);
    const expectOnly = (what: string): undefined => {
      this.problem(at, "does-not-apply", {
        what,
        applies: "expect",
        why: "send writes values, it reads none",
      });
      return undefined;
    };
    const capture = (name: string): string => {
      options.captures?.add(name);
      return name;
    };
    if ((INT_TYPES as readonly string[]).includes(kind)) {
      const type = kind as IntType;
      if (typeof raw === "number") {
        const [min, max] = intRange(type);
        if (!Number.isInteger(raw) || raw < min || raw > max) {
          this.problem(at, "invalid-value", {
            what: type,
            value: String(raw),
            expected: `a whole number from ${min} to ${max}`,
          });
          return undefined;
        }
        return { kind: "int", type, value: raw };
      }
      if (typeof raw === "string" && raw.includes("${")) {
        this.template(raw, at, defined);
        return { kind: "int", type, value: raw };
      }
      if (typeof raw === "string" && /^[A-Za-z_][\w.-]*$/.test(raw)) {
        if (!options.expect) return expectOnly(`A name ("${raw}") that captures`);
        return { kind: "int", type, value: capture(raw) };
      }
      this.problem(at, "wrong-type", {
        what: `"${type}"`,
        expected: options.expect
          ? `a number, "\${variable}" or a name to capture into`
          : `a number or "\${variable}"`,
        got: describe(raw),
      });
      return undefined;
    }
    if (kind === "skip") {
      if (!options.expect) return expectOnly(`"skip"`);
      if (raw === "rest") return { kind: "skip", size: "rest" };
      const size = this.positiveInteger(raw, at, `"skip"`, MAX_MAX_BUFFER);
      return size === undefined ? undefined : { kind: "skip", size };
    }
    // hex or text: a literal, or { bytes: N, as: name } to read (expect only).
    if (isRecord(raw)) {
      if (!options.expect) return expectOnly(`"${kind}: { bytes }"`);
      this.checkKeys(raw, ["bytes", "as"], at, `"${kind}"`);
      const size = this.positiveInteger(
        raw.bytes,
        this.at(at, raw, "bytes"),
        `"bytes"`,
        MAX_MAX_BUFFER,
      );
      const name = raw.as === undefined
        ? undefined
        : this.connectionName(raw.as, this.at(at, raw, "as"), `"as"`);
      if (size === undefined) return undefined;
      return {
        kind: "bytes",
        as: kind as "hex" | "text",
        size,
        capture: name === undefined ? undefined : capture(name),
      };
    }
    const text = this.string(raw, at, `"${kind}"`);
    if (text === undefined) return undefined;
    this.template(text, at, defined);
    if (kind === "hex" && !text.includes("${")) {
      const digits = text.replace(/\s+/g, "");
      const pattern = options.expect ? /^(?:[0-9a-fA-F]{2}|\?\?)*$/ : /^(?:[0-9a-fA-F]{2})*$/;
      if (!pattern.test(digits) || digits === "") {
        this.problem(at, "invalid-value", {
          what: "hex",
          value: text,
          expected: options.expect
            ? `pairs of hex digits or "??" (any byte)`
            : "pairs of hex digits",
        });
        return undefined;
      }
    }
    return { kind: kind as "hex" | "text", value: text };
  }

  framing(value: unknown, place: Place, transport: Transport): Framing | undefined {
    const framing = this.#framingOf(value, place);
    if (transport === "udp") {
      this.problem(place, "does-not-apply", {
        what: `"framing"`,
        applies: "streams",
        why: "on UDP every datagram is a message already",
      });
    }
    return framing;
  }

  #framingOf(value: unknown, place: Place): Framing | undefined {
    if (!isRecord(value)) {
      this.problem(place, "wrong-type", {
        what: `"framing"`,
        expected: `a mapping with "prefix", "delimiter" or "fixed"`,
        got: describe(value),
      });
      return undefined;
    }
    this.checkKeys(value, ["prefix", "skip", "adjust", "delimiter", "fixed"], place, `"framing"`);
    const given = (["prefix", "delimiter", "fixed"] as const).filter((key) =>
      value[key] !== undefined
    );
    if (given.length !== 1) {
      this.problem(place, "one-of-keys", {
        in: `"framing"`,
        keys: ["prefix", "delimiter", "fixed"],
        given,
      });
      return undefined;
    }
    const at = (key: string): Place => this.at(place, value, key);
    for (const key of ["skip", "adjust"]) {
      if (value[key] !== undefined && given[0] !== "prefix") {
        this.problem(at(key), "requires-key", { key, requires: ["prefix"] });
      }
    }
    switch (given[0]!) {
      case "prefix": {
        const prefix = this.oneOf(value.prefix, LENGTH_PREFIXES, at("prefix"), `"prefix"`);
        let skip = 0;
        if (value.skip !== undefined) {
          if (
            typeof value.skip === "number" && Number.isInteger(value.skip) && value.skip >= 0 &&
            value.skip <= 1024
          ) {
            skip = value.skip;
          } else {
            this.problem(at("skip"), "wrong-type", {
              what: `"skip"`,
              expected: "a whole number from 0 to 1024",
              got: describe(value.skip),
            });
          }
        }
        let adjust = 0;
        if (value.adjust !== undefined) {
          if (
            typeof value.adjust === "number" && Number.isInteger(value.adjust) &&
            Math.abs(value.adjust) <= 1 << 20
          ) {
            adjust = value.adjust;
          } else {
            this.problem(at("adjust"), "wrong-type", {
              what: `"adjust"`,
              expected: "a whole number (bytes added to the length)",
              got: describe(value.adjust),
            });
          }
        }
        return prefix === undefined ? undefined : { kind: "prefix", prefix, skip, adjust };
      }
      case "delimiter": {
        const text = this.string(value.delimiter, at("delimiter"), `"delimiter"`);
        if (text === undefined) return undefined;
        if (text === "") {
          this.problem(at("delimiter"), "wrong-type", {
            what: `"delimiter"`,
            expected: "a non-empty text",
            got: `""`,
          });
          return undefined;
        }
        return { kind: "delimiter", delimiter: new TextEncoder().encode(text) };
      }
      case "fixed": {
        const size = this.positiveInteger(value.fixed, at("fixed"), `"fixed"`, MAX_MAX_BUFFER);
        return size === undefined ? undefined : { kind: "fixed", size };
      }
    }
  }

  faults(value: unknown, place: Place, transport: Transport): Faults | undefined {
    if (!isRecord(value)) {
      this.problem(place, "wrong-type", {
        what: `"faults"`,
        expected: "a mapping of faults",
        got: describe(value),
      });
      return undefined;
    }
    const applies = transport === "udp" ? UDP_FAULTS : TCP_FAULTS;
    this.checkKeys(
      value,
      [...new Set([...TCP_FAULTS, ...UDP_FAULTS, "seed", "reset_after"])],
      place,
      `"faults"`,
    );
    const up: Record<string, unknown> = {};
    const down: Record<string, unknown> = {};
    let seed = 1;
    let refuse = false;
    let valid = true;
    for (const [key, raw] of Object.entries(value)) {
      const at = this.at(place, value, key);
      if (key === "seed") {
        if (typeof raw === "number" && Number.isInteger(raw)) seed = raw;
        else {
          this.problem(at, "wrong-type", {
            what: `"seed"`,
            expected: "a whole number",
            got: describe(raw),
          });
          valid = false;
        }
        continue;
      }
      if (key === "reset_after") {
        this.problem(at, "unsupported", {
          what: `"reset_after"`,
          reason:
            `Deno cannot abort a TCP connection with a reset (it offers no SO_LINGER); use "limit", which closes after that many bytes`,
        });
        valid = false;
        continue;
      }
      if (!applies.includes(key)) {
        this.problem(at, "does-not-apply", {
          what: `"${key}"`,
          applies: `${transport === "udp" ? "TCP" : "UDP"} proxies`,
          why: `this one is ${transport.toUpperCase()}`,
        });
        valid = false;
        continue;
      }
      if (key === "down") {
        if (raw === true) refuse = true;
        else if (raw !== false) {
          this.problem(at, "wrong-type", {
            what: `"down"`,
            expected: "true or false",
            got: describe(raw),
          });
          valid = false;
        }
        continue;
      }
      // Either one value for both directions, or { up, down }.
      const split = isRecord(raw) && key !== "slice" ||
        (key === "slice" && isRecord(raw) && (raw.up !== undefined || raw.down !== undefined));
      const sides: [Record<string, unknown>[], unknown, Place][] = split
        ? (["up", "down"] as const).filter((side) => (raw as Record_)[side] !== undefined)
          .map((
            side,
          ) => [[side === "up" ? up : down], (raw as Record_)[side], this.at(at, raw, side)])
        : [[[up, down], raw, at]];
      if (split) this.checkKeys(raw as Record_, ["up", "down"], at, `"${key}"`);
      for (const [sets, given, where] of sides) {
        const parsed = this.fault(key, given, where);
        if (parsed === undefined) valid = false;
        else for (const set of sets) set[key === "slow_close" ? "slowClose" : key] = parsed;
      }
    }
    return valid ? { up: up as FaultSet, down: down as FaultSet, seed, refuse } : undefined;
  }

  fault(key: string, value: unknown, place: Place): unknown {
    switch (key) {
      case "latency":
      case "jitter":
      case "delay":
      case "timeout":
      case "slow_close":
        return this.duration(value, place, `"${key}"`, UNSCALED);
      case "limit":
        return this.byteSize(value, place, `"limit"`, { min: 1, max: 1 << 30 });
      case "bandwidth": {
        const text = typeof value === "string" ? value.replace(/\s*\/\s*s$/i, "") : value;
        return this.byteSize(text, place, `"bandwidth" (per second)`, { min: 1, max: 1 << 30 });
      }
      case "slice": {
        if (!isRecord(value)) {
          this.problem(place, "wrong-type", {
            what: `"slice"`,
            expected: "{ size, delay }",
            got: describe(value),
          });
          return undefined;
        }
        this.checkKeys(value, ["size", "delay"], place, `"slice"`);
        const size = this.positiveInteger(
          value.size,
          this.at(place, value, "size"),
          `"size"`,
          1 << 20,
        );
        const delay = value.delay === undefined
          ? 0
          : this.duration(value.delay, this.at(place, value, "delay"), `"delay"`, UNSCALED);
        return size === undefined || delay === undefined ? undefined : { size, delay };
      }
      default: {
        // A chance: "30%" or 0.3.
        const match = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
        const chance = typeof value === "number"
          ? value
          : match === null
          ? NaN
          : Number(match[1]) / 100;
        if (!(chance >= 0 && chance <= 1)) {
          this.problem(place, "wrong-type", {
            what: `"${key}"`,
            expected: `a chance from 0 to 1, or a percentage like "30%"`,
            got: describe(value),
          });
          return undefined;
        }
        return chance;
      }
    }
  }

  flag(value: unknown, place: Place, what: string): boolean | undefined {
    if (typeof value === "boolean") return value;
    this.problem(place, "wrong-type", { what, expected: "true or false", got: describe(value) });
    return undefined;
  }

  limits(value: unknown, place: Place): ProcessLimits | undefined {
    if (!isRecord(value)) {
      this.problem(place, "wrong-type", {
        what: `"limits"`,
        expected: `a mapping of ${list(LIMIT_KEYS)}`,
        got: describe(value),
      });
      return undefined;
    }
    this.checkKeys(value, LIMIT_KEYS, place, `"limits"`);
    const at = (key: string): Place => this.at(place, value, key);
    const cpu = value.cpu === undefined
      ? undefined
      : this.duration(value.cpu, at("cpu"), `"cpu"`, UNSCALED);
    const memory = value.memory === undefined
      ? undefined
      : this.byteSize(value.memory, at("memory"), `"memory"`, { min: 1 << 20 });
    const fileSize = value.file_size === undefined
      ? undefined
      : this.byteSize(value.file_size, at("file_size"), `"file_size"`, { min: 1 });
    const processes = value.processes === undefined
      ? undefined
      : this.positiveInteger(value.processes, at("processes"), `"processes"`, 1_000_000);
    const openFiles = value.open_files === undefined
      ? undefined
      : this.positiveInteger(value.open_files, at("open_files"), `"open_files"`, 1_000_000);
    return {
      // The kernel counts CPU time in whole seconds.
      ...(cpu === undefined ? {} : { cpu: Math.max(1000, Math.round(cpu / 1000) * 1000) }),
      ...(memory === undefined ? {} : { memory }),
      ...(processes === undefined ? {} : { processes }),
      ...(fileSize === undefined ? {} : { fileSize }),
      ...(openFiles === undefined ? {} : { openFiles }),
    };
  }

  readiness(value: unknown, place: Place): Readiness | undefined {
    if (value === "port") return { kind: "port" };
    if (isRecord(value) && Object.keys(value).length === 1 && typeof value.stdout === "string") {
      const pattern = value.stdout;
      try {
        compileRegex(pattern);
        return { kind: "stdout", pattern };
      } catch (error) {
        this.problem(place, "invalid-regex", { message: (error as Error).message });
        return undefined;
      }
    }
    this.problem(place, "wrong-type", {
      what: `"ready"`,
      expected: `"port" or { stdout: "regex" }`,
      got: describe(value),
    });
    return undefined;
  }

  size(value: unknown, place: Place): number {
    return this.byteSize(value, place, `"max_buffer"`, { min: MIN_MAX_BUFFER }) ??
      DEFAULT_MAX_BUFFER;
  }

  /** A size in bytes: a number, or text with a unit (`64KiB`, `1MiB`), within bounds. */
  byteSize(
    value: unknown,
    place: Place,
    what: string,
    bounds: { min: number; max?: number },
  ): number | undefined {
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
    const max = bounds.max ?? MAX_MAX_BUFFER;
    if (!(size >= bounds.min && size <= max)) {
      this.problem(place, "wrong-type", {
        what,
        // Written as sizes are in a suite: "64KiB".
        expected: `a size from ${formatSize(bounds.min).replace(" ", "")} to ${
          formatSize(max).replace(" ", "")
        }, like 1048576, "64KiB" or "1MiB"`,
        got: describe(value),
      });
      return undefined;
    }
    return size;
  }

  address(
    text: string,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): AddressScheme | undefined {
    this.template(text, place, defined);
    const shape = addressShape(text);
    if (shape === undefined) {
      this.problem(place, "invalid-value", { what, value: text, expected: ADDRESS_FORMS });
      return undefined;
    }
    const port = shape.port;
    if (
      port !== undefined && !port.includes("${") &&
      !(/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536)
    ) {
      this.problem(place, "invalid-value", {
        what: "port",
        value: port,
        in: `${what} "${text}"`,
        expected: "1 to 65535",
      });
    }
    return shape.scheme;
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
    if (raw.name === undefined) {
      this.problem(place, "missing-key", { key: "name", in: "A scenario" });
    }
    const timeout = raw.timeout === undefined ? undefined : this.duration(
      raw.timeout,
      this.at(place, raw, "timeout"),
      `"timeout"`,
    );
    let skip: string | undefined;
    if (raw.skip === true) skip = "";
    else if (typeof raw.skip === "string" && raw.skip !== "") skip = raw.skip;
    else if (raw.skip !== undefined && raw.skip !== false && raw.skip !== null) {
      this.problem(this.at(place, raw, "skip"), "wrong-type", {
        what: `"skip"`,
        expected: "true, false or a reason",
        got: describe(raw.skip),
      });
    }
    if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
      this.problem(this.at(place, raw, "steps"), "wrong-type", {
        what: `"steps"`,
        expected: "a non-empty list",
        got: describe(raw.steps),
      });
      return undefined;
    }
    const state: ScenarioState = {
      // The program under test is open from the start, as the process channel "program".
      open: new Map([
        ...(suite.program ? [[PROGRAM_CHANNEL, { kind: "process", step: 0 }] as const] : []),
        // A suite's stub is read as the channel "stub": what it received.
        ...(suite.server === "stub" ? [["stub", { kind: "stub", step: 0 }] as const] : []),
      ]),
      defined: new Set(suite.defined),
    };
    const steps = this.steps(raw.steps, label, suite, state);
    let points = 1;
    if (raw.points !== undefined) {
      if (typeof raw.points === "number" && raw.points >= 0 && Number.isFinite(raw.points)) {
        points = raw.points;
      } else {
        this.problem(this.at(place, raw, "points"), "wrong-type", {
          what: `"points"`,
          expected: "a number of 0 or more",
          got: describe(raw.points),
        });
      }
    }
    if (
      raw.hidden !== undefined && typeof raw.hidden !== "boolean" &&
      raw.hidden !== "after_due_date" && raw.hidden !== "after_published"
    ) {
      this.problem(this.at(place, raw, "hidden"), "wrong-type", {
        what: `"hidden"`,
        expected: `true, false, "after_published" or "after_due_date"`,
        got: describe(raw.hidden),
      });
    }
    const leaderboard = raw.leaderboard === undefined || name === undefined
      ? undefined
      : this.leaderboard(raw.leaderboard, this.at(place, raw, "leaderboard"), { name, steps });
    if (name === undefined) return undefined;
    const hidden = raw.hidden === true || raw.hidden === "after_published" ||
      raw.hidden === "after_due_date";
    return {
      name,
      line,
      steps,
      timeout,
      skip,
      points,
      hidden,
      ...(raw.hidden === "after_due_date" ? { hiddenUntil: "after_due_date" as const } : {}),
      ...(leaderboard === undefined ? {} : { leaderboard }),
    };
  }

  /** A scenario's `leaderboard`: `{ name, value, order }` over its one `repeat` step. */
  leaderboard(
    value: unknown,
    place: Place,
    scenario: { name: string; steps: readonly Step[] },
  ): LeaderboardSpec | undefined {
    if (!isRecord(value)) {
      this.problem(place, "wrong-type", {
        what: `"leaderboard"`,
        expected: `a mapping of ${list(LEADERBOARD_KEYS)}`,
        got: describe(value),
      });
      return undefined;
    }
    this.checkKeys(value, LEADERBOARD_KEYS, place, `"leaderboard"`);
    const at = (key: string): Place => this.at(place, value, key);
    const repeats = scenario.steps.filter((step) => step.action === "repeat").length;
    if (repeats !== 1) this.problem(place, "leaderboard-repeat", { count: repeats });
    if (value.value === undefined) {
      this.problem(place, "missing-key", {
        key: "value",
        in: `"leaderboard"`,
        purpose: `what it ranks by, ${alternatives(LEADERBOARD_VALUES)}`,
      });
      return undefined;
    }
    const figure = this.oneOf(value.value, LEADERBOARD_VALUES, at("value"), `"value"`);
    const name = value.name === undefined
      ? scenario.name
      : this.string(value.name, at("name"), `"name"`);
    const order = value.order === undefined
      ? figure === undefined ? undefined : defaultOrder(figure)
      : this.oneOf(value.order, ["asc", "desc"] as const, at("order"), `"order"`);
    if (figure === undefined || name === undefined || order === undefined || repeats !== 1) {
      return undefined;
    }
    return { name, value: figure, order };
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
      const actions = keys.filter((key) => ACTION_NAMES.includes(key));
      if (actions.length === 0) {
        const first = keys[0] ?? "";
        if (keys.length === 0) this.problem(place, "missing-action", { allowed: ACTION_NAMES });
        else {
          this.problem(this.at(place, raw, first), "unknown-action", {
            action: first,
            allowed: ACTION_NAMES,
          });
        }
        return undefined;
      }
      if (actions.length > 1) {
        this.problem(this.at(place, raw, actions[1]!), "several-actions", { actions });
        return undefined;
      }
      action = actions[0]!;
      value = raw[action];
      siblings = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== action));
    } else {
      this.problem(place, "wrong-type", {
        what: "a step",
        expected: "an action or a mapping",
        got: describe(raw),
      });
      return undefined;
    }
    if (!ACTION_NAMES.includes(action)) {
      this.problem(place, "unknown-action", { action, allowed: ACTION_NAMES });
      return undefined;
    }
    const base = {
      number: place.step ?? 0,
      line: place.line,
      source,
      ...(this.#via === undefined ? {} : { file: this.#file }),
    };
    const spec = actionSpec(action)!;
    const options = spec.shorthand === undefined
      ? undefined
      : this.options(value, siblings, spec.shorthand, place);
    // The merged options are a copy: their keys' places are in the value and the step.
    if (options !== undefined) this.#origins.set(options, [value, raw].filter(isRecord));
    return spec.decode({ options, value, siblings, base, place, suite, state }, this);
  }

  /** Merges an action's value and its sibling keys into one options map. */
  options(value: unknown, siblings: Record_, shorthand: string, place: Place): Record_ | undefined {
    let options: Record_;
    if (isRecord(value)) options = { ...value };
    else if (value === undefined || value === null) options = {};
    else if (Array.isArray(value)) {
      this.problem(place, "wrong-type", {
        what: "the options",
        expected: "a mapping or a value",
        got: "a list",
      });
      return undefined;
    } else options = { [shorthand]: value };
    for (const [key, sibling] of Object.entries(siblings)) {
      if (Object.hasOwn(options, key)) {
        this.problem(this.at(place, siblings, key), "duplicate-option", { key });
        return undefined;
      }
      options[key] = sibling;
    }
    return options;
  }

  timeout(options: Record_, place: Place): number | undefined {
    return options.timeout === undefined
      ? undefined
      : this.duration(options.timeout, this.at(place, options, "timeout"), `"timeout"`);
  }

  connectionName(value: unknown, place: Place, what: string): string | undefined {
    const name = this.string(value, place, what);
    if (name !== undefined && !NAME.test(name)) {
      this.problem(place, "invalid-value", {
        what: "connection name",
        value: name,
        expected: `letters, digits, "_" and "-"`,
      });
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
    const at = options.on === undefined ? place : this.at(place, options, "on");
    const name = options.on === undefined
      ? DEFAULT_CONNECTION
      : this.connectionName(options.on, at, `"on"`);
    if (name === undefined) return undefined;
    const open = state.open.get(name);
    if (open === undefined) {
      const names = [...state.open.keys()];
      this.problem(at, "not-open", {
        name,
        open: names,
        fallback: name === DEFAULT_CONNECTION,
      });
      return undefined;
    }
    return { name, kind: open.kind };
  }

  payload(
    options: Record_,
    place: Place,
    defined: ReadonlySet<string>,
    what: string,
  ): Payload | undefined {
    const keys = what === `"send"`
      ? ["text", "hex", "base64", "fields"] as const
      : ["text", "hex", "base64"] as const;
    const given = keys.filter((key) => options[key] !== undefined);
    if (given.length !== 1) {
      this.problem(given.length === 0 ? place : this.at(place, options, given[1]!), "one-of-keys", {
        in: what,
        keys,
        given,
      });
      return undefined;
    }
    const encoding = given[0]!;
    const at = this.at(place, options, encoding);
    if (encoding === "fields") {
      const fields = this.fields(options.fields, at, defined, { expect: false });
      return fields === undefined ? undefined : { encoding, fields };
    }
    const value = this.string(options[encoding], at, `"${encoding}"`);
    if (value === undefined) return undefined;
    this.template(value, at, defined);
    if (!value.includes("${")) {
      if (encoding === "hex") {
        const digits = value.replace(/\s+/g, "");
        const wildcards = what === `"expect"`;
        if (!(wildcards ? /^(?:[0-9a-fA-F]{2}|\?\?)*$/ : /^(?:[0-9a-fA-F]{2})*$/).test(digits)) {
          this.problem(at, "invalid-value", {
            what: "hex",
            value,
            expected: wildcards
              ? `pairs of hex digits or "??" (any byte), optionally separated by spaces`
              : "pairs of hex digits, optionally separated by spaces",
          });
        }
      } else if (encoding === "base64") {
        try {
          decodeBase64(value.replace(/\s+/g, ""));
        } catch {
          this.problem(at, "invalid-value", { what: "base64", value, expected: "base64 text" });
        }
      }
    }
    return { encoding, value };
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
    this.problem(place, "wrong-type", {
      what,
      expected: `a whole number from 1 to ${max.toLocaleString("en")}`,
      got: describe(value),
    });
    return undefined;
  }

  split(options: Record_, place: Place): Split | undefined {
    if (options.chunks === undefined && options.chunk_size === undefined) {
      if (options.delay !== undefined) {
        this.problem(this.at(place, options, "delay"), "requires-key", {
          key: "delay",
          requires: ["chunks", "chunk_size"],
        });
      }
      return undefined;
    }
    if (options.chunks !== undefined && options.chunk_size !== undefined) {
      this.problem(this.at(place, options, "chunk_size"), "one-of-keys", {
        in: "A split",
        keys: ["chunks", "chunk_size"],
        given: ["chunks", "chunk_size"],
      });
      return undefined;
    }
    const chunks = options.chunks === undefined ? undefined : this.positiveInteger(
      options.chunks,
      this.at(place, options, "chunks"),
      `"chunks"`,
      MAX_REPEAT_TIMES,
    );
    const chunkSize = options.chunk_size === undefined ? undefined : this.positiveInteger(
      options.chunk_size,
      this.at(place, options, "chunk_size"),
      `"chunk_size"`,
      MAX_MAX_BUFFER,
    );
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
      this.problem(place, "invalid-regex", { message: (error as Error).message });
    }
    return pattern;
  }

  lineMatch(raw: unknown, place: Place, state: ScenarioState): LineMatch | undefined {
    if (typeof raw === "string") {
      this.template(raw, place, state.defined);
      return { kind: "equals", text: raw };
    }
    if (!isRecord(raw)) {
      this.problem(place, "wrong-type", {
        what: "a line",
        expected: `a string or one of ${list(LINE_KINDS)}`,
        got: describe(raw),
      });
      return undefined;
    }
    const known = this.checkKeys(raw, LINE_KINDS, place, "a line");
    const kinds = LINE_KINDS.filter((key) => raw[key] !== undefined);
    // A misspelt kind was reported as an unknown key: "got none" would say it twice.
    if (kinds.length === 0 && !known) return undefined;
    if (kinds.length !== 1) {
      this.problem(kinds.length === 0 ? place : this.at(place, raw, kinds[1]!), "one-of-keys", {
        in: "A line",
        keys: LINE_KINDS,
        given: kinds,
      });
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
    this.checkNotOpen(name, place, state);
    return name;
  }

  checkNotOpen(name: string, place: Place, state: ScenarioState): void {
    const already = state.open.get(name);
    if (already === undefined) return;
    this.problem(place, "already-open", { name, step: already.step });
  }

  oneOf<T extends string>(
    value: unknown,
    allowed: readonly T[],
    place: Place,
    what: string,
  ): T | undefined {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
      return value as T;
    }
    const typo = typeof value === "string" ? closest(value, allowed) : undefined;
    this.problem(place, "not-one-of", {
      what,
      got: describe(value),
      allowed,
      ...(typo === undefined ? {} : { typo }),
    });
    return undefined;
  }

  /** Reads, validates and inlines an include fragment: a validator of its own reads the file. */
  include(input: ActionInput): Step | undefined {
    const { options, base, place, suite, state } = input;
    if (options === undefined) return undefined;
    this.checkKeys(options, ["file", "vars"], place, `"include"`);
    const path = this.string(options.file, this.at(place, options, "file"), `"file"`);
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
      this.problem(place, "include-cycle", {
        files: [...this.#shared.stack.slice(this.#shared.stack.indexOf(file)), file],
      });
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
      this.problem(place, "include-unreadable", { file, reason });
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
        code: "yaml-syntax",
        details: { message: (error as Error).message },
      });
      return undefined;
    }
    const fragment = doc.value;
    if (!isRecord(fragment) || !Array.isArray(fragment.steps) || fragment.steps.length === 0) {
      this.problem(place, "include-shape", { file });
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
}
