/**
 * Parley's command line: flags in, library calls, exit codes out.
 *
 *   parley run [paths…] [--timeout-scale N] [--no-color]
 *   parley serve <echo|upper|chat> [--port N] [--host H]
 *
 * Exit codes: 0 all passed, 1 a scenario failed, 2 invalid files or usage.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { dirname } from "@std/path";
import {
  findSuiteFiles,
  GradescopeReporter,
  isServerName,
  PrettyReporter,
  type Reporter,
  runFiles,
  type RunSummary,
  SERVER_NAMES,
  startServer,
} from "./mod.ts";
import { suggestion } from "./runner/validate.ts";

const USAGE = `Usage:
  parley run [paths…] [options]     run scenario files (default path: scenarios/)
  parley serve <${SERVER_NAMES.join("|")}> [--port N] [--host H]

Options for run:
  --reporter NAME[=PATH]  pretty (default) or gradescope; repeatable; without
                      =PATH it writes to stdout (only one reporter may)
  --timeout-scale N   multiply every step timeout by N (slow machines)
  --no-color          never use colours (also: NO_COLOR=1)
  -h, --help          show this help

Exit codes: 0 all passed, 1 a scenario failed, 2 invalid files or usage.
`;

const RUN_FLAGS = ["timeout-scale", "reporter", "color", "no-color", "help", "h"];
const REPORTERS = ["pretty", "gradescope"];
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

function writeError(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}

function checkFlags(args: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(args)) {
    if (key === "_" || allowed.includes(key)) continue;
    throw new UsageError(`Unknown option "--${key}"${suggestion(key, allowed)}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, {
    string: ["timeout-scale", "reporter"],
    collect: ["reporter"],
    boolean: ["color", "help"],
    negatable: ["color"],
    default: { color: true },
    alias: { h: "help" },
  });
  checkFlags(args, RUN_FLAGS);
  if (args.help === true) {
    Deno.stdout.writeSync(new TextEncoder().encode(USAGE));
    return 0;
  }
  let timeoutScale = 1;
  if (args["timeout-scale"] !== undefined) {
    timeoutScale = Number(args["timeout-scale"]);
    if (!(timeoutScale > 0)) {
      throw new UsageError(
        `Invalid --timeout-scale "${args["timeout-scale"]}": expected a positive number`,
      );
    }
  }
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
    throw error;
  }
  if (files.length === 0) {
    throw new UsageError(
      `No scenario files (*.yaml, *.yml) under ${paths.map((p) => `"${p}"`).join(", ")}`,
    );
  }
  const color = args.color !== false && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const reporters = makeReporters(args.reporter as string[] | undefined, color);
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error("Interrupted"));
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const summary = await runFiles(files, {
      timeoutScale,
      signal: controller.signal,
      reporters,
    });
    if (controller.signal.aborted) return 130;
    if (summary.invalid.length > 0) return 2;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
  }
}

function fileWriter(path: string): (text: string) => Promise<void> {
  return async (text) => {
    const dir = dirname(path);
    if (dir !== "") await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, text);
  };
}

/** Builds the reporters `--reporter NAME[=PATH]` asks for. */
function makeReporters(specs: string[] | undefined, color: boolean): Reporter[] {
  const reporters: Reporter[] = [];
  let stdoutTaken: string | undefined;
  for (const spec of specs === undefined || specs.length === 0 ? ["pretty"] : specs) {
    const [name, ...rest] = spec.split("=");
    const path = rest.length === 0 ? undefined : rest.join("=");
    if (!REPORTERS.includes(name)) {
      throw new UsageError(
        `Unknown reporter "${name}"${suggestion(name, REPORTERS)}; reporters: ${
          REPORTERS.join(", ")
        }`,
      );
    }
    if (path === "") throw new UsageError(`Reporter "${name}=" needs a path after "="`);
    if (path === undefined) {
      if (stdoutTaken !== undefined) {
        throw new UsageError(
          `Reporters "${stdoutTaken}" and "${name}" cannot both write to stdout; give one a path: --reporter ${name}=FILE`,
        );
      }
      stdoutTaken = name;
    }
    if (name === "pretty") {
      reporters.push(
        path === undefined
          ? new PrettyReporter({ color })
          : new BufferedPrettyReporter(fileWriter(path)),
      );
    } else {
      reporters.push(new GradescopeReporter(path === undefined ? {} : { write: fileWriter(path) }));
    }
  }
  return reporters;
}

/** The pretty report written to a file when the run ends. */
class BufferedPrettyReporter extends PrettyReporter {
  readonly #text: string[];
  readonly #save: (text: string) => Promise<void>;

  constructor(save: (text: string) => Promise<void>) {
    const text: string[] = [];
    super({ write: (chunk) => text.push(chunk), color: false });
    this.#text = text;
    this.#save = save;
  }

  override async runFinished(summary: RunSummary): Promise<void> {
    super.runFinished(summary);
    await this.#save(this.#text.join(""));
  }
}

async function serve(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, {
    string: ["port", "host"],
    boolean: ["help"],
    alias: { h: "help" },
  });
  checkFlags(args, SERVE_FLAGS);
  if (args.help === true) {
    Deno.stdout.writeSync(new TextEncoder().encode(USAGE));
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
  const transports = name === "chat" ? "tcp" : "tcp+udp";
  Deno.stdout.writeSync(
    new TextEncoder().encode(
      `${name} server listening on ${server.hostname}:${server.port} (${transports})\n`,
    ),
  );
  writeError("Press Ctrl-C to stop\n");
  await new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  await server.close();
  writeError(`${name} server stopped\n`);
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
      Deno.stdout.writeSync(new TextEncoder().encode(USAGE));
      return 0;
    }
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      writeError(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
