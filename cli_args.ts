/**
 * The command line as data: argv in, a typed command out, nothing run.
 * Every flag is declared once, in {@linkcode FLAGS}: parsing, the check for
 * unknown flags and the usage text all read that table.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { isAbsolute } from "@std/path/posix/is-absolute";
import { join } from "@std/path/posix/join";
import { relative } from "@std/path/posix/relative";
import {
  GRADESCOPE_VISIBILITIES,
  type GradescopeVisibility,
  REPORTERS,
} from "./runner/report/mod.ts";
import { parseDuration } from "./runner/duration.ts";
import { ASSIGNMENT_KINDS, type AssignmentKind } from "./runner/init_kinds.ts";
import type { Shard } from "./runner/run_files.ts";
import { parseAddress } from "./runner/steps/context.ts";
import { suggestion } from "./runner/validate.ts";
import { isServerName, SERVER_NAMES, type ServerName } from "./servers/mod.ts";

/** A command line that cannot be used; the CLI exits 2 with the usage. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, with the value given.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The commands: `run`, `grade` and `serve`. */
export type CommandName = "run" | "grade" | "serve" | "init" | "proxy" | "mock" | "record";

/** One flag: its name, its value's placeholder (none for a switch), what it does. */
export interface FlagSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** The value's placeholder in the usage (`N`, `URL`); none for a switch. */
  readonly value?: string;
  /** Whether it may be given many times. */
  readonly repeats?: boolean;
  /** A one-letter alias. */
  readonly alias?: string;
  /** The commands that take it. */
  readonly commands: readonly CommandName[];
  /** What it does, for the usage. */
  readonly description: string;
}

/** The fault flags of `parley proxy`: name, value, description. */
const PROXY_FAULT_FLAGS: readonly [string, string, string][] = [
  ["latency", "D", "TCP: delay each chunk, like 100ms"],
  ["jitter", "D", "vary latency and delay by up to this"],
  ["bandwidth", "RATE", "TCP: bytes per second, like 10KiB/s"],
  ["limit", "SIZE", "TCP: close after this many bytes; UDP: drop all after them"],
  ["timeout", "D", "TCP: forward nothing after this long, keeping connections open"],
  ["slow-close", "D", "TCP: pass an end of stream on after this long"],
  ["loss", "P", "UDP: the chance a datagram is dropped, like 30%"],
  ["duplicate", "P", "UDP: the chance a datagram is sent twice"],
  ["reorder", "P", "UDP: the chance a datagram goes after the next"],
  ["delay", "D", "UDP: delay each datagram"],
  ["corrupt", "P", "UDP: the chance one byte is flipped"],
  ["seed", "N", "the seed of every chance (default 1)"],
];

/** Every flag of the command line. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "reporter",
    value: "NAME[=PATH]",
    repeats: true,
    commands: ["run"],
    description: `${
      REPORTERS.map((spec) => spec.name).join(", ")
    } (default: pretty); repeatable; without =PATH it writes to stdout (only one reporter may)`,
  },
  {
    name: "gradescope-visibility",
    value: "WHEN",
    commands: ["run"],
    description: `when students see the gradescope report: ${
      GRADESCOPE_VISIBILITIES.join(", ")
    } (default: visible)`,
  },
  {
    name: "jobs",
    value: "N",
    commands: ["run", "grade"],
    description: "run N files (grade: N students) at once (default: the number of CPUs)",
  },
  {
    name: "out",
    value: "PATH",
    commands: ["grade", "record"],
    description:
      "grade: the folder for grades.csv and each student's reports (default: grades); record: the file to write (default: standard output)",
  },
  {
    name: "shard",
    value: "I/N",
    commands: ["run"],
    description: "run the I-th of N equal parts of the files (CI matrix)",
  },
  {
    name: "filter",
    value: "TEXT",
    commands: ["run"],
    description: `run scenarios whose "file › scenario" contains TEXT (or matches /regex/)`,
  },
  { name: "bail", commands: ["run"], description: "stop after the first failure" },
  {
    name: "retries",
    value: "N",
    commands: ["run"],
    description: "re-run a failed scenario up to N times",
  },
  { name: "list", commands: ["run"], description: "list the scenarios without running them" },
  {
    name: "var",
    value: "NAME=VALUE",
    repeats: true,
    commands: ["run"],
    description: "set a variable (repeatable); overrides the suites' vars",
  },
  {
    name: "target",
    value: "URL",
    commands: ["run"],
    description: "replace every suite's target (tcp://host:port)",
  },
  {
    name: "timeout-scale",
    value: "N",
    commands: ["run"],
    description: "multiply every step timeout by N (slow machines; at most 1000)",
  },
  {
    name: "max-time",
    value: "D",
    commands: ["run", "grade", "record"],
    description: "stop the whole run after D (like 10m): the running scenarios fail, " +
      "the rest are not run, reports are written (grade: per student, default 5m; record: stop recording)",
  },
  {
    name: "no-color",
    commands: ["run"],
    description: "never use colours (also: NO_COLOR=1)",
  },
  {
    name: "port",
    value: "N",
    commands: ["serve", "mock"],
    description: "the port to listen on (default: a free one)",
  },
  {
    name: "host",
    value: "H",
    commands: ["serve"],
    description: "the address to listen on (default: 127.0.0.1)",
  },
  {
    name: "listen",
    value: "HOST:PORT",
    commands: ["proxy", "record"],
    description: "where the proxy listens (default: 127.0.0.1 and a free port)",
  },
  {
    name: "to",
    value: "URL",
    commands: ["proxy", "record"],
    description: "where it forwards: tcp://host:port or udp://host:port",
  },
  ...PROXY_FAULT_FLAGS.map(([name, value, description]) => ({
    name,
    value,
    commands: ["proxy"] as CommandName[],
    description,
  })),
  {
    name: "as",
    value: "suite|stub",
    commands: ["record"],
    description: "write a scenario suite (default) or a stub file of the server's answers",
  },
  {
    name: "unix",
    value: "PATH",
    commands: ["serve"],
    description: "listen on a Unix socket instead (TCP semantics, no UDP)",
  },
  {
    name: "tls-cert",
    value: "F",
    commands: ["serve"],
    description: "serve TLS with this certificate (PEM file), with --tls-key",
  },
  {
    name: "tls-key",
    value: "F",
    commands: ["serve"],
    description: "the certificate's key (PEM file)",
  },
  {
    name: "help",
    alias: "h",
    commands: ["run", "grade", "serve", "init"],
    description: "show this help",
  },
];

const MAX_TIMEOUT_SCALE = 1000;

/** `--filter`: the text given, and the test it stands for. */
export interface NameFilter {
  /** As given. */
  readonly text: string;
  /**
   * Whether a `file › scenario` name is selected.
   *
   * @param name The name.
   * @returns Whether it matches.
   */
  matches(name: string): boolean;
}

/** What `parley run` was asked to do. */
export interface RunCommand {
  /** The command. */
  readonly kind: "run";
  /** Files and directories (default `scenarios`). */
  readonly paths: readonly string[];
  /** Whether `paths` is the default, given by no argument. */
  readonly defaultPaths?: boolean;
  /** `--reporter` values. */
  readonly reporters: readonly string[];
  /** `--jobs`. */
  readonly jobs?: number;
  /** `--shard`. */
  readonly shard?: Shard;
  /** `--filter`. */
  readonly filter?: NameFilter;
  /** `--bail`. */
  readonly bail: boolean;
  /** `--retries`. */
  readonly retries: number;
  /** `--list`. */
  readonly list: boolean;
  /** `--var` values. */
  readonly variables: Readonly<Record<string, string>>;
  /** `--target`. */
  readonly target?: string;
  /** `--timeout-scale`. */
  readonly timeoutScale: number;
  /** `--max-time`, in milliseconds. */
  readonly maxTime?: number;
  /** `false` with `--no-color`. */
  readonly color: boolean;
  /** `--gradescope-visibility`. */
  readonly gradescopeVisibility?: GradescopeVisibility;
}

/** What `parley serve` was asked to do. */
export interface ServeCommand {
  /** The command. */
  readonly kind: "serve";
  /** The server. */
  readonly server: ServerName;
  /** The port (0: a free one). */
  readonly port: number;
  /** The address. */
  readonly hostname: string;
  /** A Unix socket to listen on instead. */
  readonly path?: string;
  /** TLS: the certificate and key files. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** What `parley grade` was asked to do. */
export interface GradeCommand {
  /** The command. */
  readonly kind: "grade";
  /** The suite. */
  readonly suite: string;
  /** The folder of submissions, one subfolder per student. */
  readonly submissions: string;
  /** `--out` (default `grades`). */
  readonly out: string;
  /** `--jobs`. */
  readonly jobs?: number;
  /** `--max-time` per student, in milliseconds. */
  readonly maxTime?: number;
}

/** What `parley init assignment KIND DIR` was asked to do. */
export interface InitCommand {
  /** The command. */
  readonly kind: "init";
  /** What kind of assignment. */
  readonly assignment: AssignmentKind;
  /** Where to write it. */
  readonly dir: string;
}

/** What `parley record` was asked to do. */
export interface RecordCommand {
  /** The command. */
  readonly kind: "record";
  /** Where it listens. */
  readonly hostname: string;
  /** Its port (0: a free one). */
  readonly port: number;
  /** The server recorded, `tcp://host:port`. */
  readonly to: string;
  /** The file to write; standard output when absent. */
  readonly out: string | undefined;
  /** Stop after this long, in milliseconds. */
  readonly maxTime: number | undefined;
  /** What to write. */
  readonly as: "suite" | "stub";
}

/** What `parley mock FILE` was asked to do. */
export interface MockCommand {
  /** The command. */
  readonly kind: "mock";
  /** The stub file. */
  readonly file: string;
  /** A port instead of the file's (0: a free one). */
  readonly port: number | undefined;
}

/** What `parley proxy` was asked to do. */
export interface ProxyCommand {
  /** The command. */
  readonly kind: "proxy";
  /** Where it listens. */
  readonly hostname: string;
  /** Its port (0: a free one). */
  readonly port: number;
  /** Where it forwards. */
  readonly to: string;
  /** The faults, as a suite writes them, checked when the proxy starts. */
  readonly faults: Record<string, string>;
}

/** A parsed command line. */
export type CliCommand =
  | { readonly kind: "help" }
  | RunCommand
  | GradeCommand
  | ServeCommand
  | InitCommand
  | ProxyCommand
  | MockCommand
  | RecordCommand;

/** What `parseArgs` returns, typed: the std build we resolve ships no types. */
interface ParsedArgs {
  _: (string | number)[];
  [flag: string]: unknown;
}

function parse(argv: readonly string[], command: CommandName): ParsedArgs {
  const flags = FLAGS.filter((flag) => flag.commands.includes(command));
  const parsed: ParsedArgs = parseArgs([...argv], {
    string: flags.filter((flag) => flag.value !== undefined).map((flag) => flag.name),
    boolean: [
      ...flags.filter((flag) => flag.value === undefined && !flag.name.startsWith("no-"))
        .map((flag) => flag.name),
      ...flags.filter((flag) => flag.name.startsWith("no-")).map((flag) => flag.name.slice(3)),
    ],
    collect: flags.filter((flag) => flag.repeats).map((flag) => flag.name),
    negatable: flags.filter((flag) => flag.name.startsWith("no-")).map((flag) =>
      flag.name.slice(3)
    ),
    // A negatable switch is on unless negated (`--no-color`).
    default: Object.fromEntries(
      flags.filter((flag) => flag.name.startsWith("no-")).map((flag) => [flag.name.slice(3), true]),
    ),
    alias: Object.fromEntries(
      flags.filter((flag) => flag.alias !== undefined).map((flag) => [flag.alias, flag.name]),
    ),
  });
  const known = new Set([
    "_",
    ...flags.flatMap((flag) => [
      flag.name.startsWith("no-") ? flag.name.slice(3) : flag.name,
      ...(flag.alias === undefined ? [] : [flag.alias]),
    ]),
  ]);
  for (const key of Object.keys(parsed)) {
    if (known.has(key)) continue;
    // A one-letter key was written `-k`.
    const written = `${key.length === 1 ? "-" : "--"}${key}`;
    throw new UsageError(
      `Unknown option "${written}"${suggestion(`--${key}`, flags.map((flag) => `--${flag.name}`))}`,
    );
  }
  return parsed;
}

/** A flag's value as text (given twice, the last one counts, as `parseArgs` does). */
function one(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value);
}

function maxTimeOf(args: ParsedArgs): number | undefined {
  const text = one(args["max-time"]);
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`Invalid --max-time: ${(error as Error).message}`);
  }
}

function initCommand(args: ParsedArgs): InitCommand {
  const [what, kind, dir, ...extra] = args._.map(String);
  if (
    what !== "assignment" || kind === undefined || dir === undefined || extra.length > 0 ||
    !(ASSIGNMENT_KINDS as readonly string[]).includes(kind)
  ) {
    throw new UsageError(
      `"init" writes a starting assignment: parley init assignment ${
        ASSIGNMENT_KINDS.join("|")
      } DIR${
        kind !== undefined && !(ASSIGNMENT_KINDS as readonly string[]).includes(kind)
          ? ` (not "${kind}"${suggestion(kind, ASSIGNMENT_KINDS)})`
          : ""
      }`,
    );
  }
  return { kind: "init", assignment: kind as AssignmentKind, dir };
}

function gradeCommand(args: ParsedArgs): GradeCommand {
  const [suite, submissions, ...extra] = args._.map(String);
  if (suite === undefined || submissions === undefined || extra.length > 0) {
    throw new UsageError(
      `"grade" takes a suite and a folder of submissions: parley grade SUITE.yaml SUBMISSIONS_DIR`,
    );
  }
  const jobsText = one(args.jobs);
  const maxTime = maxTimeOf(args);
  return {
    kind: "grade",
    suite,
    submissions,
    out: one(args.out) ?? "grades",
    ...(jobsText === undefined ? {} : { jobs: Math.max(1, wholeNumber(jobsText, "jobs")) }),
    ...(maxTime === undefined ? {} : { maxTime }),
  };
}

function wholeNumber(value: string, flag: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isInteger(number) || number < 0) {
    throw new UsageError(`Invalid --${flag} "${value}": expected a whole number`);
  }
  return number;
}

/** `--filter TEXT` matches names as a substring, `--filter /regex/flags` as a regex. */
function nameFilter(text: string): NameFilter {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (regex === null) return { text, matches: (name) => name.includes(text) };
  let compiled: RegExp;
  try {
    compiled = new RegExp(regex[1]!, regex[2]);
  } catch (error) {
    throw new UsageError(`Invalid --filter ${text}: ${(error as Error).message}`);
  }
  return { text, matches: (name) => compiled.test(name) };
}

function runCommand(args: ParsedArgs): RunCommand {
  const scaleText = one(args["timeout-scale"]);
  const timeoutScale = scaleText === undefined ? 1 : Number(scaleText);
  if (!(timeoutScale > 0 && timeoutScale <= MAX_TIMEOUT_SCALE)) {
    throw new UsageError(
      `Invalid --timeout-scale "${scaleText}": expected a positive number up to ${MAX_TIMEOUT_SCALE}`,
    );
  }
  const maxTime = maxTimeOf(args);
  const jobsText = one(args.jobs);
  const retriesText = one(args.retries);
  let shard: Shard | undefined;
  const shardText = one(args.shard);
  if (shardText !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(shardText);
    shard = match === null ? undefined : { index: Number(match[1]), total: Number(match[2]) };
    if (shard === undefined || shard.index < 1 || shard.index > shard.total) {
      throw new UsageError(
        `Invalid --shard "${shardText}": expected I/N with 1 <= I <= N, like 2/4`,
      );
    }
  }
  const variables: Record<string, string> = {};
  for (const pair of (args.var as string[] | undefined) ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`Invalid --var "${pair}": expected name=value`);
    variables[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const target = one(args.target);
  if (target !== undefined) {
    try {
      parseAddress(target);
    } catch {
      throw new UsageError(
        `Invalid --target "${target}": expected tcp://host:port or udp://host:port`,
      );
    }
  }
  const filterText = one(args.filter);
  const visibilityText = one(args["gradescope-visibility"]);
  if (
    visibilityText !== undefined &&
    !(GRADESCOPE_VISIBILITIES as readonly string[]).includes(visibilityText)
  ) {
    throw new UsageError(
      `Invalid --gradescope-visibility "${visibilityText}"${
        suggestion(visibilityText, GRADESCOPE_VISIBILITIES)
      } (expected ${GRADESCOPE_VISIBILITIES.join(", ")})`,
    );
  }
  return {
    kind: "run",
    paths: args._.length === 0 ? ["scenarios"] : args._.map(String),
    ...(args._.length === 0 ? { defaultPaths: true } : {}),
    reporters: (args.reporter as string[] | undefined) ?? [],
    ...(jobsText === undefined ? {} : { jobs: Math.max(1, wholeNumber(jobsText, "jobs")) }),
    ...(shard === undefined ? {} : { shard }),
    ...(filterText === undefined ? {} : { filter: nameFilter(filterText) }),
    bail: args.bail === true,
    retries: retriesText === undefined ? 0 : wholeNumber(retriesText, "retries"),
    list: args.list === true,
    variables,
    ...(target === undefined ? {} : { target }),
    timeoutScale,
    ...(maxTime === undefined ? {} : { maxTime }),
    color: args.color !== false,
    ...(visibilityText === undefined
      ? {}
      : { gradescopeVisibility: visibilityText as GradescopeVisibility }),
  };
}

function serveCommand(args: ParsedArgs): ServeCommand {
  const name = String(args._[0] ?? "");
  if (!isServerName(name)) {
    throw new UsageError(
      name === ""
        ? `Name a server to start: ${SERVER_NAMES.join(", ")}`
        : `Unknown server "${name}"${suggestion(name, SERVER_NAMES)} (built-in servers: ${
          SERVER_NAMES.join(", ")
        })`,
    );
  }
  const portText = one(args.port);
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || portText?.trim() === "") {
    throw new UsageError(`Invalid --port "${portText}": expected 0 to 65535`);
  }
  const host = one(args.host);
  const path = one(args.unix);
  const cert = one(args["tls-cert"]);
  const key = one(args["tls-key"]);
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(
      `--tls-cert and --tls-key go together; only --${
        cert === undefined ? "tls-key" : "tls-cert"
      } was given`,
    );
  }
  if (path !== undefined && cert !== undefined) {
    throw new UsageError(
      "--unix and --tls-cert do not go together: a Unix socket is served in plain text",
    );
  }
  if (path !== undefined && (portText !== undefined || host !== undefined)) {
    throw new UsageError("--unix replaces --port and --host: give one or the other");
  }
  return {
    kind: "serve",
    server: name,
    port,
    hostname: host ?? "127.0.0.1",
    ...(path === undefined ? {} : { path }),
    ...(cert === undefined ? {} : { tls: { cert, key: key! } }),
  };
}

/**
 * Parses the command line into a command, checking every value; runs
 * nothing.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCommand } from "./cli_args.ts";
 * const command = parseCommand(["run", "a.yaml", "--jobs", "2"]);
 * assertEquals(command.kind === "run" ? [command.paths, command.jobs] : [], [["a.yaml"], 2]);
 * ```
 *
 * @param argv The arguments, without the program name.
 * @returns The command.
 * @throws {UsageError} For an unknown command or flag, or a value that cannot be used.
 */
export function parseCommand(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === "-h" || first === "--help" || first === "help") return { kind: "help" };
  const command: CommandName =
    first === "serve" || first === "grade" || first === "init" || first === "proxy" ||
      first === "mock" || first === "record"
      ? first
      : "run";
  const args = parse(first === command ? rest : argv, command);
  if (args.help === true) return { kind: "help" };
  return command === "serve"
    ? serveCommand(args)
    : command === "grade"
    ? gradeCommand(args)
    : command === "init"
    ? initCommand(args)
    : command === "proxy"
    ? proxyCommand(args)
    : command === "mock"
    ? mockCommand(args)
    : command === "record"
    ? recordCommand(args)
    : runCommand(args);
}

/** `--listen HOST:PORT` of proxy and record; 127.0.0.1 and a free port by default. */
function listenAddress(args: ParsedArgs): { hostname: string; port: number } {
  const listen = one(args.listen) ?? "127.0.0.1:0";
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (match === null || !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new UsageError(`Invalid --listen "${listen}": expected HOST:PORT, like 127.0.0.1:8000`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function recordCommand(args: ParsedArgs): RecordCommand {
  const to = one(args.to);
  if (to === undefined || !/^tcp:\/\/.+:\d+$/.test(to)) {
    throw new UsageError(
      `"record" needs --to tcp://host:port: the server to record${
        to === undefined ? "" : `, got "${to}"`
      }`,
    );
  }
  const { hostname, port } = listenAddress(args);
  const asText = one(args.as) ?? "suite";
  if (asText !== "suite" && asText !== "stub") {
    throw new UsageError(`Invalid --as "${asText}": expected "suite" or "stub"`);
  }
  const maxTimeText = one(args["max-time"]);
  let maxTime: number | undefined;
  if (maxTimeText !== undefined) {
    try {
      maxTime = parseDuration(maxTimeText);
    } catch {
      throw new UsageError(`Invalid --max-time "${maxTimeText}": expected a duration like 30s`);
    }
  }
  return {
    kind: "record",
    hostname,
    port,
    to,
    out: one(args.out),
    maxTime,
    as: asText,
  };
}

function mockCommand(args: ParsedArgs): MockCommand {
  const file = args._[0] === undefined ? undefined : String(args._[0]);
  if (file === undefined || args._.length > 1) {
    throw new UsageError(`"mock" takes one stub file: parley mock FILE [--port N]`);
  }
  const portText = one(args.port);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new UsageError(`Invalid --port "${portText}": expected 0 to 65535`);
  }
  return { kind: "mock", file, port };
}

function proxyCommand(args: ParsedArgs): ProxyCommand {
  const to = one(args.to);
  if (to === undefined) {
    throw new UsageError(
      `"proxy" needs --to URL: where it forwards (tcp://host:port or udp://host:port)`,
    );
  }
  const { hostname, port } = listenAddress(args);
  const faults: Record<string, string> = {};
  for (const [name] of PROXY_FAULT_FLAGS) {
    const value = one(args[name]);
    if (value !== undefined) faults[name.replace("-", "_")] = value;
  }
  return { kind: "proxy", hostname, port, to, faults };
}

/**
 * The run command with its relative paths (files, directories and reporter
 * outputs) taken from the directory the user ran the command in, written
 * relative to the working directory (whole when outside it). `deno task` runs Parley in the
 * project's directory and says where the user was in `INIT_CWD`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fromInvocationDir, parseCommand, type RunCommand } from "./cli_args.ts";
 * const command = parseCommand(["run", "a.yaml", "--reporter", "json=out.json"]) as RunCommand;
 * const moved = fromInvocationDir(command, "/proj/sub", "/proj");
 * assertEquals([moved.paths, moved.reporters], [["sub/a.yaml"], ["json=sub/out.json"]]);
 * ```
 *
 * @param command The parsed command.
 * @param invocationDir Where the user ran the command (absolute).
 * @param cwd The working directory (absolute).
 * @returns The command with its paths moved; the default path (`scenarios`) stays.
 */
export function fromInvocationDir(
  command: RunCommand,
  invocationDir: string,
  cwd: string,
): RunCommand {
  if (invocationDir === cwd) return command;
  const move = (path: string): string => {
    if (isAbsolute(path) || path === "-") return path;
    const absolute = join(invocationDir, path);
    // Inside the project a path reads best relative to it; outside, whole.
    const inside = relative(cwd, absolute);
    return inside === "" ? "." : inside.startsWith("../") || inside === ".." ? absolute : inside;
  };
  return {
    ...command,
    paths: command.defaultPaths === true ? command.paths : command.paths.map(move),
    reporters: command.reporters.map((spec) => {
      const at = spec.indexOf("=");
      return at === -1 ? spec : `${spec.slice(0, at + 1)}${move(spec.slice(at + 1))}`;
    }),
  };
}

/** Splits text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * The usage text, from {@linkcode FLAGS}.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { usage } from "./cli_args.ts";
 * assertStringIncludes(usage(), "--max-time D");
 * ```
 *
 * @returns The text.
 */
export function usage(): string {
  const options = (command: CommandName): string =>
    FLAGS.filter((flag) => flag.commands.includes(command)).map((flag) => {
      const name = `${flag.alias === undefined ? "" : `-${flag.alias}, `}--${flag.name}${
        flag.value === undefined ? "" : ` ${flag.value}`
      }`;
      const description = wrap(flag.description, 52).join(`\n${" ".repeat(26)}`);
      // A long flag takes a line of its own.
      return name.length < 24
        ? `  ${name.padEnd(24)}${description}`
        : `  ${name}\n${" ".repeat(26)}${description}`;
    }).join("\n");
  return `Usage:
  parley run [paths…] [options]     run scenario files (default path: scenarios/)
  parley grade SUITE DIR [options]  grade every submission (subfolder) of DIR
  parley init assignment ${ASSIGNMENT_KINDS.join("|")} DIR
                                    write a starting assignment into DIR
  parley serve <${SERVER_NAMES.join("|")}> [options]
  parley proxy --to URL [--listen HOST:PORT] [faults]
                                    a fault-injecting proxy, for manual tests
  parley mock FILE [--port N]       a stub server described by rules
  parley record --to URL [--listen HOST:PORT] [--out FILE] [--as suite|stub]
                                    record real sessions as a suite or a stub

Options for run:
${options("run")}

Options for grade:
${options("grade")}

Options for serve:
${options("serve")}

Options for proxy:
${options("proxy")}

Exit codes: 0 all passed, 1 a scenario failed (or --max-time passed),
2 invalid files, usage or set-up errors, 3 an internal error (a bug in Parley),
128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
`;
}
