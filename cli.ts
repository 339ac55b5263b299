/**
 * Parley's command line: flags in, library calls, exit codes out.
 *
 *   parley run [paths…] [--timeout-scale N] [--no-color]
 *   parley serve <echo|upper|chat> [--port N] [--host H | --unix PATH] [--tls-cert F --tls-key F]
 *
 * Exit codes: 0 all passed, 1 a scenario failed, 2 invalid files, usage or set-up errors,
 * 3 an internal error, 128+N stopped by signal N.
 *
 * @module
 */

import { isAbsolute } from "@std/path/posix/is-absolute";
import { join } from "@std/path/posix/join";
import { relative } from "@std/path/posix/relative";
import {
  fromInvocationDir,
  type GradeCommand,
  type InitCommand,
  type MockCommand,
  parseCommand,
  type ProxyCommand,
  type RecordCommand,
  type RunCommand,
  type ServeCommand,
  usage,
  UsageError,
} from "./cli_args.ts";
import {
  createReporters,
  findSuiteFiles,
  InvalidSuiteError,
  loadSuite,
  parseSuite,
  type ProxyStep,
  type Reporter,
  ReporterSpecError,
  ReportWriteError,
  runFiles,
  type Scenario,
  selectShard,
  SERVER_TRANSPORTS,
  startServer,
  type Suite,
} from "./mod.ts";
import { Deadline } from "./runner/deadline.ts";
import { aborted } from "./runner/channels/channel.ts";
import { writeStderr, writeStdout } from "./runner/output.ts";
import { readSuiteFile, SuiteFileError } from "./runner/suite_file.ts";
import { describeStrays, killRunningProcesses, stopLeftovers } from "./runner/process.ts";
import { becomeSubreaper } from "./runner/reap.ts";
import { RunInterruptedError } from "./runner/stop_reason.ts";

/** What stops a run: Ctrl-C, `timeout(1)`, CI cancellation, `docker stop`, a closed terminal. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SIGNAL_NUMBERS: Record<(typeof STOP_SIGNALS)[number], number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

/** Where `deno task` runs Parley: the project's directory, the one holding this file. */
const PROJECT_DIR = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");

/**
 * The directory the user ran the command in, when it is not the working
 * directory: `deno task` (and npm) run Parley in the project's directory and
 * name the user's in `INIT_CWD`. Only then: a stale `INIT_CWD` inherited
 * elsewhere must not move anyone's paths.
 */
function invocationDir(): string | undefined {
  const initCwd = Deno.env.get("INIT_CWD");
  const cwd = Deno.cwd();
  return initCwd !== undefined && initCwd !== "" && initCwd !== cwd && cwd === PROJECT_DIR
    ? initCwd
    : undefined;
}

/** A path the user gave, read from the directory they ran the command in. */
function userPath(from: string | undefined, path: string): string {
  return from === undefined || isAbsolute(path) ? path : join(from, path);
}

/** The exit code of a run a stop signal ended (128+N), or `undefined`. */
function signalExitCode(reason: unknown): number | undefined {
  return reason instanceof RunInterruptedError
    ? 128 + SIGNAL_NUMBERS[reason.signal as (typeof STOP_SIGNALS)[number]]
    : undefined;
}

/**
 * Runs work that starts programs under test, as `run` and `grade` do. The
 * first stop signal aborts its signal, as Ctrl-C does: processes get their
 * grace period and every report is written; a second one kills them at
 * once. Whatever still descends from Parley at the end (a daemon that shed
 * every trace) is stopped: nothing outlives a run.
 */
async function withStopSignals(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  // Orphans of the programs under test are reparented here, to be found at the end.
  becomeSubreaper();
  const controller = new AbortController();
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (controller.signal.aborted) killRunningProcesses();
      else controller.abort(new RunInterruptedError(signal));
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  try {
    return await work(controller.signal);
  } finally {
    const left = await stopLeftovers();
    if (left.length > 0) writeStderr(`${describeStrays(left).replace("it:", "its run:")}\n`);
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** The files under the command's paths, or a usage error that names what is missing. */
async function suiteFiles(command: RunCommand, from: string | undefined): Promise<string[]> {
  const { paths } = command;
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
      const given = from === undefined || path === undefined
        ? undefined
        : relative(from, isAbsolute(path) ? path : join(Deno.cwd(), path));
      throw new UsageError(
        given === undefined || given.startsWith("../")
          ? `Cannot find "${path}": no such file or directory`
          : `Cannot find "${given}" in "${from}": no such file or directory`,
      );
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
  return command.shard === undefined ? files : selectShard(files, command.shard);
}

async function run(given: RunCommand): Promise<number> {
  const from = invocationDir();
  const command = from === undefined ? given : fromInvocationDir(given, from, Deno.cwd());
  const files = await suiteFiles(command, from);
  const matches = command.filter?.matches;
  const filter = matches === undefined
    ? undefined
    : (suite: Suite, scenario: Scenario) => matches(`${suite.file} › ${scenario.name}`);
  const { variables } = command;
  if (command.list) return await list(files, filter, Object.keys(variables));

  const color = command.color && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  let reporters: Reporter[];
  try {
    reporters = await createReporters(command.reporters, {
      color,
      env: (name) => Deno.env.get(name),
      progress: Deno.stderr.isTerminal(),
      ...(command.gradescopeVisibility === undefined
        ? {}
        : { gradescopeVisibility: command.gradescopeVisibility }),
    });
  } catch (error) {
    if (error instanceof ReporterSpecError) throw new UsageError(error.message);
    throw error;
  }
  return await withStopSignals(async (signal) => {
    const summary = await runFiles(files, {
      timeoutScale: command.timeoutScale,
      ...(command.maxTime === undefined ? {} : { maxTime: command.maxTime }),
      signal,
      reporters,
      ...(command.jobs === undefined ? {} : { jobs: command.jobs }),
      retries: command.retries,
      bail: command.bail,
      variables,
      ...(command.target === undefined ? {} : { target: command.target }),
      ...(filter === undefined ? {} : { filter }),
    });
    const stopped = signalExitCode(signal.reason);
    if (stopped !== undefined) return stopped;
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
    // An invalid file, or a stage Parley could not set, is not a verdict on what is tested.
    if (summary.invalid.length > 0 || summary.errors > 0) return 2;
    return summary.failed > 0 ? 1 : 0;
  });
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

/** `parley init assignment KIND DIR`: a starting assignment. */
async function init(given: InitCommand): Promise<number> {
  const from = invocationDir();
  const dir = userPath(from, given.dir);
  const { initAssignment, InitError } = await import("./runner/init.ts");
  try {
    const written = await initAssignment(given.assignment, dir);
    writeStdout(`${written.map((path) => `wrote ${path}\n`).join("")}`);
    writeStdout(`Try it: deno task scenario ${join(dir, "assignment.yaml")}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InitError) throw new UsageError(error.message);
    throw error;
  }
}

/** `parley grade`: a suite against every submission of a folder, a gradebook out. */
async function grade(given: GradeCommand): Promise<number> {
  const from = invocationDir();
  const command = {
    ...given,
    suite: userPath(from, given.suite),
    submissions: userPath(from, given.submissions),
    out: userPath(from, given.out),
  };
  const { gradeClass, gradeTable } = await import("./runner/grade.ts");
  const tty = Deno.stderr.isTerminal();
  try {
    return await withStopSignals(async (signal) => {
      const summary = await gradeClass(command.suite, command.submissions, {
        out: command.out,
        ...(command.jobs === undefined ? {} : { jobs: command.jobs }),
        ...(command.maxTime === undefined ? {} : { maxTime: command.maxTime }),
        signal,
        ...(tty
          ? {
            progress: (done: number, running: number, failed: number, total: number): void =>
              writeStderr(
                `\r\x1b[K${done}/${total} students done, ${running} running, ${failed} not full marks`,
              ),
          }
          : {}),
      });
      if (tty) writeStderr("\r\x1b[K");
      for (const note of summary.notes) writeStderr(`${note}\n`);
      writeStdout(gradeTable(summary));
      writeStdout(`\nGrades in ${join(command.out, "grades.csv")}\n`);
      return signalExitCode(signal.reason) ??
        (summary.students.some((student) => student.status === "error") ? 2 : 0);
    });
  } catch (error) {
    if (error instanceof InvalidSuiteError) {
      writeStderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `Cannot find the submissions folder "${given.submissions}": no such file or directory`,
      );
    }
    throw error;
  }
}

async function serve(command: ServeCommand): Promise<number> {
  const { server: name, port, hostname, path } = command;
  // Only files need the user's directory: plain serve runs with --allow-net alone.
  const from = command.tls !== undefined || path !== undefined ? invocationDir() : undefined;
  let tls: { cert: string; key: string } | undefined;
  if (command.tls !== undefined) {
    try {
      tls = {
        cert: await readSuiteFile(userPath(from, command.tls.cert)),
        key: await readSuiteFile(userPath(from, command.tls.key)),
      };
    } catch (error) {
      if (error instanceof SuiteFileError) throw new UsageError(error.message);
      throw error;
    }
  }
  let server;
  try {
    server = startServer(name, {
      port,
      hostname,
      ...(path === undefined ? {} : { path: userPath(from, path) }),
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (error) {
    const where = path === undefined ? `${hostname}:${port}` : path;
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`Cannot listen on "${where}": the address is in use`);
    }
    if (error instanceof Deno.errors.InvalidData || error instanceof TypeError) {
      throw new UsageError(`Cannot serve TLS: ${(error as Error).message}`);
    }
    throw error;
  }
  const transports = server.path !== undefined
    ? "unix"
    : server.tls
    ? "tls"
    : SERVER_TRANSPORTS[name].join("+");
  const where = server.path ?? `${server.hostname}:${server.port}`;
  writeStdout(`${name} server listening on ${where} (${transports})\n`);
  writeStderr("Press Ctrl-C to stop\n");
  await untilStopSignal();
  await server.close();
  writeStderr(`${name} server stopped\n`);
  return 0;
}

/** `parley record`: proxies clients to a server and writes what they said as a suite or stub. */
async function record(command: RecordCommand): Promise<number> {
  const { FaultProxy } = await import("./runner/channels/proxy.ts");
  const { Recorder, writeStub, writeSuite } = await import("./runner/record.ts");
  const { SecretMask, secretsOfEnvironment } = await import("./runner/mask.ts");
  const { parseAddress } = await import("./runner/address.ts");
  const recorder = new Recorder();
  const target = parseAddress(command.to);
  let proxy;
  try {
    proxy = FaultProxy.start("record", target, { up: {}, down: {}, seed: 1, refuse: false }, {
      hostname: command.hostname,
      port: command.port,
      onTraffic: (event) => recorder.add(event),
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(
        `Cannot listen on "${command.hostname}:${command.port}": the address is in use`,
      );
    }
    throw error;
  }
  writeStdout(`recording on tcp://${proxy.hostname}:${proxy.port}, forwarding to ${command.to}\n`);
  writeStderr("Press Ctrl-C to stop and write the recording\n");
  const stopped = untilStopSignal();
  if (command.maxTime === undefined) await stopped;
  else {
    using deadline = new Deadline(command.maxTime);
    await Promise.race([stopped, aborted(deadline.signal)]);
  }
  await proxy.close();
  let secrets: string[] = [];
  try {
    secrets = secretsOfEnvironment(Deno.env.toObject());
  } catch {
    // No permission to read the environment: nothing to mask from it.
  }
  const mask = new SecretMask(secrets);
  const options = {
    to: command.to,
    how: `Recorded by parley record from ${command.to} on ${new Date().toISOString()}`,
    mask: (text: string) => mask.text(text),
  };
  const sessions = recorder.sessions;
  const text = command.as === "stub" ? writeStub(sessions, options) : writeSuite(sessions, options);
  if (command.out === undefined) writeStdout(text);
  else await Deno.writeTextFile(userPath(invocationDir(), command.out), text);
  writeStderr(
    `${sessions.length} session${sessions.length === 1 ? "" : "s"} recorded${
      command.out === undefined ? "" : ` to ${command.out}`
    }${
      recorder.dropped > 0 ? ` (${recorder.dropped} bytes past the 16 MiB limit left out)` : ""
    }\n`,
  );
  return 0;
}

/** `parley mock FILE`: a stub server until Ctrl-C, printing what it receives. */
async function mock(command: MockCommand): Promise<number> {
  const { loadStub, startStub } = await import("./runner/stub.ts");
  const { escapeBytes } = await import("./runner/escape.ts");
  let stub;
  try {
    stub = await loadStub(userPath(invocationDir(), command.file));
  } catch (error) {
    if (error instanceof InvalidSuiteError) {
      writeStderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof SuiteFileError) throw new UsageError(error.message);
    throw error;
  }
  let running;
  try {
    running = startStub(stub, {
      ...(command.port === undefined ? {} : { port: command.port }),
      onEntry: (entry) =>
        writeStderr(
          `connection ${entry.connection}: ${entry.kind}${
            entry.bytes === undefined ? "" : ` "${escapeBytes(entry.bytes.subarray(0, 200))}"`
          }${
            entry.kind !== "received"
              ? ""
              : entry.rule === undefined
              ? " (no rule)"
              : ` (rule ${entry.rule})`
          }\n`,
        ),
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`Cannot listen for "${stub.name}": its address is in use`);
    }
    throw error;
  }
  const where = running.transport === "unix"
    ? `unix://${running.hostname}`
    : `${running.transport}://${running.hostname}:${running.port}`;
  writeStdout(`${stub.name} stub listening on ${where}\n`);
  writeStderr("Press Ctrl-C to stop\n");
  await untilStopSignal();
  await running.close();
  return 0;
}

/** Waits for Ctrl-C or SIGTERM: how a standalone server, proxy or recording is stopped. */
function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
}

/** `parley proxy`: a fault-injecting proxy until Ctrl-C, printing what it does. */
async function proxy(command: ProxyCommand): Promise<number> {
  const { FaultProxy } = await import("./runner/channels/proxy.ts");
  const { parseAddress } = await import("./runner/address.ts");
  // The flags are checked as the same faults in a suite would be.
  const faults: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(command.faults)) {
    faults[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  let step: ProxyStep;
  try {
    const suite = parseSuite(
      JSON.stringify({ name: "proxy", steps: [{ proxy: { to: command.to, faults } }] }),
      { file: "the command line" },
    );
    step = suite.scenarios[0]!.steps[0] as ProxyStep;
  } catch (error) {
    if (error instanceof InvalidSuiteError) {
      throw new UsageError(error.issues.map((issue) => issue.message).join("\n"));
    }
    throw error;
  }
  const target = parseAddress(step.to);
  let running;
  try {
    running = FaultProxy.start("proxy", target, step.faults, {
      hostname: command.hostname,
      port: command.port,
      onNote: (detail) => writeStderr(`${detail}\n`),
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(
        `Cannot listen on "${command.hostname}:${command.port}": the address is in use`,
      );
    }
    throw error;
  }
  writeStdout(
    `proxy listening on ${target.transport}://${running.hostname}:${running.port}, forwarding to ${step.to}\n`,
  );
  writeStderr("Press Ctrl-C to stop\n");
  await untilStopSignal();
  await running.close();
  return 0;
}

/**
 * Runs the command line and returns its exit code.
 *
 * @param argv The arguments, without the program name.
 * @returns 0 passed, 1 failed, 2 invalid input or usage.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommand(argv);
    switch (command.kind) {
      case "help":
        writeStdout(usage());
        return 0;
      case "serve":
        return await serve(command);
      case "proxy":
        return await proxy(command);
      case "mock":
        return await mock(command);
      case "record":
        return await record(command);
      case "run":
        return await run(command);
      case "grade":
        return await grade(command);
      case "init":
        return await init(command);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      writeStderr(`error: ${error.message}\n\n${usage()}`);
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
