/**
 * Parley's command line: flags in, library calls, exit codes out.
 *
 *   parley run [paths…] [--timeout-scale N] [--no-color]
 *   parley serve <echo|upper|chat> [--port N] [--host H]
 *
 * Exit codes: 0 all passed, 1 a scenario failed, 2 invalid files or usage,
 * 3 an internal error, 128+N stopped by signal N.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import {
  createReporters,
  findSuiteFiles,
  InvalidSuiteError,
  isServerName,
  loadSuite,
  type Reporter,
  ReporterSpecError,
  ReportWriteError,
  runFiles,
  type Scenario,
  selectShard,
  SERVER_NAMES,
  SERVER_TRANSPORTS,
  type Shard,
  startServer,
  type Suite,
} from "./mod.ts";
import { writeStderr, writeStdout } from "./runner/output.ts";
import { parseDuration } from "./runner/duration.ts";
import { killRunningProcesses } from "./runner/process.ts";
import { RunInterruptedError } from "./runner/stop_reason.ts";
import { parseAddress } from "./runner/steps/context.ts";
import { suggestion } from "./runner/validate.ts";

const USAGE = `Usage:
  parley run [paths…] [options]     run scenario files (default path: scenarios/)
  parley serve <${SERVER_NAMES.join("|")}> [--port N] [--host H]

Options for run:
  --reporter NAME[=PATH]  pretty (default), dot, tap, junit, json, html or
                      gradescope; repeatable; without =PATH it writes to stdout
                      (only one reporter may)
  --jobs N            run N files at once (default: the number of CPUs)
  --shard I/N         run the I-th of N equal parts of the files (CI matrix)
  --filter TEXT       run scenarios whose "file › scenario" contains TEXT
                      (or matches /regex/)
  --bail              stop after the first failure
  --retries N         re-run a failed scenario up to N times
  --list              list the scenarios without running them
  --var NAME=VALUE    set a variable (repeatable); overrides the suites' vars
  --target URL        replace every suite's target (tcp://host:port)
  --timeout-scale N   multiply every step timeout by N (slow machines; at most 1000)
  --max-time D        stop the whole run after D (like 10m): the running
                      scenarios fail, the rest are not run, reports are written
  --no-color          never use colours (also: NO_COLOR=1)
  -h, --help          show this help

Exit codes: 0 all passed, 1 a scenario failed (or --max-time passed),
2 invalid files or usage, 3 an internal error (a bug in Parley),
128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
`;

/** What stops a run: Ctrl-C, `timeout(1)`, CI cancellation, `docker stop`, a closed terminal. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const MAX_TIMEOUT_SCALE = 1000;

const RUN_FLAGS = [
  "max-time",
  "timeout-scale",
  "reporter",
  "jobs",
  "shard",
  "filter",
  "bail",
  "retries",
  "list",
  "var",
  "target",
  "color",
  "no-color",
  "help",
  "h",
];
const SERVE_FLAGS = ["port", "host", "help", "h"];

/** What `parseArgs` returns, typed: the std build we resolve ships no types. */
interface ParsedArgs {
  _: (string | number)[];
  [flag: string]: unknown;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function checkFlags(args: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(args)) {
    if (key === "_" || allowed.includes(key)) continue;
    throw new UsageError(`Unknown option "--${key}"${suggestion(key, allowed)}`);
  }
}

function wholeNumber(value: unknown, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new UsageError(`Invalid ${flag} "${value}": expected a whole number`);
  }
  return number;
}

/** `--filter TEXT` matches "file › scenario" names as a substring, `--filter /regex/flags` as a regex. */
function nameFilter(text: string): (name: string) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (regex === null) return (name) => name.includes(text);
  let compiled: RegExp;
  try {
    compiled = new RegExp(regex[1], regex[2]);
  } catch (error) {
    throw new UsageError(`Invalid --filter ${text}: ${(error as Error).message}`);
  }
  return (name) => compiled.test(name);
}

async function run(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, {
    string: [
      "timeout-scale",
      "max-time",
      "reporter",
      "jobs",
      "shard",
      "filter",
      "retries",
      "var",
      "target",
    ],
    collect: ["reporter", "var"],
    boolean: ["color", "help", "bail", "list"],
    negatable: ["color"],
    default: { color: true },
    alias: { h: "help" },
  });
  checkFlags(args, RUN_FLAGS);
  if (args.help === true) {
    writeStdout(USAGE);
    return 0;
  }
  let timeoutScale = 1;
  if (args["timeout-scale"] !== undefined) {
    timeoutScale = Number(args["timeout-scale"]);
    if (!(timeoutScale > 0 && timeoutScale <= MAX_TIMEOUT_SCALE)) {
      throw new UsageError(
        `Invalid --timeout-scale "${
          args["timeout-scale"]
        }": expected a positive number up to ${MAX_TIMEOUT_SCALE}`,
      );
    }
  }
  let maxTime: number | undefined;
  if (args["max-time"] !== undefined) {
    try {
      maxTime = parseDuration(String(args["max-time"]));
    } catch (error) {
      throw new UsageError(`Invalid --max-time: ${(error as Error).message}`);
    }
  }
  const jobs = args.jobs === undefined ? undefined : Math.max(1, wholeNumber(args.jobs, "--jobs"));
  const retries = args.retries === undefined ? 0 : wholeNumber(args.retries, "--retries");
  let shard: Shard | undefined;
  if (args.shard !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(String(args.shard));
    shard = match === null ? undefined : { index: Number(match[1]), total: Number(match[2]) };
    if (shard === undefined || shard.index < 1 || shard.index > shard.total) {
      throw new UsageError(
        `Invalid --shard "${args.shard}": expected I/N with 1 <= I <= N, like 2/4`,
      );
    }
  }
  const variables: Record<string, string> = {};
  for (const pair of (args.var as string[] | undefined) ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`Invalid --var "${pair}": expected name=value`);
    variables[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let target: string | undefined;
  if (args.target !== undefined) {
    target = String(args.target);
    try {
      parseAddress(target);
    } catch {
      throw new UsageError(
        `Invalid --target "${target}": expected tcp://host:port or udp://host:port`,
      );
    }
  }
  const matches = args.filter === undefined ? undefined : nameFilter(String(args.filter));
  const filter = matches === undefined
    ? undefined
    : (suite: Suite, scenario: Scenario) => matches(`${suite.file} › ${scenario.name}`);

  const paths: string[] = args._.length === 0 ? ["scenarios"] : args._.map(String);
  let files: string[];
  try {
    files = await findSuiteFiles(paths);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const path = paths.find((candidate) => {
        try {
          Deno.statSync(candidate);
          return false;
        } catch {
          return true;
        }
      });
      throw new UsageError(`Cannot find "${path}": no such file or directory`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`Cannot read the scenario files: ${error.message}`);
    }
    throw error;
  }
  if (files.length === 0) {
    throw new UsageError(
      `No scenario files (*.yaml, *.yml) under ${paths.map((p) => `"${p}"`).join(", ")}`,
    );
  }
  if (shard !== undefined) files = selectShard(files, shard);
  if (args.list === true) return await list(files, filter, Object.keys(variables));

  const color = args.color !== false && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  let reporters: Reporter[];
  try {
    reporters = createReporters((args.reporter as string[] | undefined) ?? [], {
      color,
      env: (name) => Deno.env.get(name),
      progress: Deno.stderr.isTerminal(),
    });
  } catch (error) {
    if (error instanceof ReporterSpecError) throw new UsageError(error.message);
    throw error;
  }
  const controller = new AbortController();
  // The first signal stops the run as Ctrl-C does: processes get their grace
  // period and every report is written. A second one kills them at once.
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (controller.signal.aborted) killRunningProcesses();
      else controller.abort(new RunInterruptedError(signal));
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  try {
    const summary = await runFiles(files, {
      timeoutScale,
      ...(maxTime === undefined ? {} : { maxTime }),
      signal: controller.signal,
      reporters,
      ...(jobs === undefined ? {} : { jobs }),
      retries,
      bail: args.bail === true,
      variables,
      ...(target === undefined ? {} : { target }),
      ...(filter === undefined ? {} : { filter }),
    });
    const reason = controller.signal.reason;
    if (reason instanceof RunInterruptedError) return 128 + SIGNAL_NUMBERS[reason.signal];
    const internal = summary.suites.flatMap((suite) => suite.scenarios)
      .find((scenario) => scenario.steps.at(-1)?.failure?.reason === "internal");
    if (internal !== undefined) {
      writeStderr(
        `Internal error in Parley (please report it):\n${
          internal.steps.at(-1)?.failure?.message
        }\n`,
      );
      return 3;
    }
    if (summary.invalid.length > 0) return 2;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** `--list`: the scenarios that would run, one "file › scenario" per line. */
async function list(
  files: string[],
  filter: ((suite: Suite, scenario: Scenario) => boolean) | undefined,
  variables: string[],
): Promise<number> {
  const lines: string[] = [];
  let invalid = false;
  for (const file of files) {
    try {
      const suite = await loadSuite(file, { variables });
      for (const scenario of suite.scenarios) {
        if (filter === undefined || filter(suite, scenario)) {
          lines.push(
            `${suite.file} › ${scenario.name}${scenario.skip === undefined ? "" : " (skipped)"}`,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof InvalidSuiteError)) throw error;
      invalid = true;
      writeStderr(`${error.message}\n`);
    }
  }
  writeStdout(lines.map((line) => `${line}\n`).join(""));
  return invalid ? 2 : 0;
}

async function serve(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, {
    string: ["port", "host"],
    boolean: ["help"],
    alias: { h: "help" },
  });
  checkFlags(args, SERVE_FLAGS);
  if (args.help === true) {
    writeStdout(USAGE);
    return 0;
  }
  const name = String(args._[0] ?? "");
  if (!isServerName(name)) {
    throw new UsageError(
      name === ""
        ? `Name a server to start: ${SERVER_NAMES.join(", ")}`
        : `Unknown server "${name}"${suggestion(name, SERVER_NAMES)}; built-in servers: ${
          SERVER_NAMES.join(", ")
        }`,
    );
  }
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Invalid --port "${args.port}": expected 0 to 65535`);
  }
  const hostname = typeof args.host === "string" ? args.host : "127.0.0.1";
  const server = startServer(name, { port, hostname });
  const transports = SERVER_TRANSPORTS[name].join("+");
  writeStdout(`${name} server listening on ${server.hostname}:${server.port} (${transports})\n`);
  writeStderr("Press Ctrl-C to stop\n");
  await new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  await server.close();
  writeStderr(`${name} server stopped\n`);
  return 0;
}

/**
 * Runs the command line and returns its exit code.
 *
 * @param argv The arguments, without the program name.
 * @returns 0 passed, 1 failed, 2 invalid input or usage.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "serve") return await serve(rest);
    if (command === "run") return await run(rest);
    if (command === "-h" || command === "--help" || command === "help") {
      writeStdout(USAGE);
      return 0;
    }
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      writeStderr(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ReportWriteError) {
      writeStderr(`error: ${error.message}\n`);
      return 2;
    }
    writeStderr(
      `Internal error in Parley (please report it): ${
        error instanceof Error ? error.stack ?? error.message : String(error)
      }\n`,
    );
    return 3;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
