// Helpers shared by the end-to-end tests: throwaway servers on free ports and
// one-call suite runs.

import { concat } from "@std/bytes/concat";
import {
  InvalidSuiteError,
  parseSuite,
  runSuite,
  type ScenarioResult,
  type StepFailure,
  type SuiteResult,
} from "../mod.ts";
import { RunningProcess } from "../runner/process.ts";
import { waitForPort } from "../runner/ready.ts";

/** A server a test scripts by hand, on a free port of 127.0.0.1. */
export interface TestServer extends AsyncDisposable {
  readonly port: number;
  /** Resolves with the handlers' completion once the listener is closed. */
  close(): Promise<void>;
}

/**
 * Listens on a free port and runs `handler` for every client.
 *
 * @param handler What to do with a client; errors are ignored.
 * @returns The server.
 */
export function startTestServer(handler: (conn: Deno.TcpConn) => Promise<void>): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const handlers: Promise<void>[] = [];
  const conns = new Set<Deno.TcpConn>();
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      handlers.push(
        handler(conn).catch(() => {}).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch {
            // Closed by the handler.
          }
        }),
      );
    }
  })().catch(() => {});
  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await accepting;
      await Promise.all(handlers);
    })();
    return closing;
  }
  return { port: listener.addr.port, close, [Symbol.asyncDispose]: close };
}

/** Parses and runs a suite given as YAML text. */
export function runText(yaml: string, file = "test.yaml"): Promise<SuiteResult> {
  return runSuite(parseSuite(yaml, { file }));
}

/**
 * The problems validation finds in a suite given as YAML text, as
 * `[line, message]`, asserting that it is invalid.
 */
export function issuesOf(yaml: string): [number | undefined, string][] {
  try {
    parseSuite(yaml, { file: "s.yaml" });
  } catch (error) {
    if (error instanceof InvalidSuiteError) {
      return error.issues.map((issue) => [issue.line, issue.message]);
    }
    throw error;
  }
  throw new Error("Expected the suite to be invalid, but it is valid");
}

/** A free TCP port of 127.0.0.1 (free when asked; a service started on it may race). */
export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/**
 * Starts a real service (redis-server, dnsmasq, a fixture) and waits until
 * it listens on `port`; fails with its stderr when it exits first.
 *
 * @param args The command and its arguments.
 * @param port The TCP port it is to listen on.
 * @returns The running process; stopping it stops its children too.
 */
export async function startService(args: string[], port: number): Promise<RunningProcess> {
  const process = RunningProcess.start(args, { name: args[0]! });
  const ready = await waitForPort(port, {
    transport: "tcp",
    signal: AbortSignal.timeout(10_000),
    stopped: process.exited,
  });
  if (!ready) {
    await process.stop();
    throw new Error(`${args[0]} did not start: ${process.stderrText()}`);
  }
  return process;
}

/**
 * Starts redis-server on `port` of 127.0.0.1, without persistence, with
 * more options when given.
 *
 * @param port The port.
 * @param options More command-line options.
 * @returns The running server.
 */
export function startRedis(port: number, options: string[] = []): Promise<RunningProcess> {
  return startService(
    [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      ...options,
    ],
    port,
  );
}

/** The single scenario of a result, asserting there is exactly one. */
export function only(result: SuiteResult): ScenarioResult {
  if (result.scenarios.length !== 1) {
    throw new Error(`Expected one scenario, got ${result.scenarios.length}`);
  }
  return result.scenarios[0]!;
}

/** The failure of a failed (or set-up error) scenario's last step. */
export function failureOf(scenario: ScenarioResult): StepFailure & { step: number } {
  const last = scenario.steps.at(-1);
  if (
    (scenario.status !== "failed" && scenario.status !== "error") || last?.failure === undefined
  ) {
    throw new Error(`Expected a failed step, got scenario status "${scenario.status}"`);
  }
  return { ...last.failure, step: last.step.number };
}

const encoder = new TextEncoder();

/** Writes text fully. */
export async function write(conn: Deno.Conn, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads until `count` bytes arrived or the stream ends. */
export async function readBytes(conn: Deno.Conn, count: number): Promise<Uint8Array> {
  const out = new Uint8Array(count);
  let have = 0;
  while (have < count) {
    const n = await conn.read(out.subarray(have));
    if (n === null) break;
    have += n;
  }
  return out.subarray(0, have);
}

/** Reads everything until the peer closes. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const chunk = new Uint8Array(16 * 1024);
  while (true) {
    const n = await conn.read(chunk);
    if (n === null) break;
    chunks.push(chunk.slice(0, n));
  }
  return concat(chunks) as Uint8Array;
}

/** A python3 process that plays a peer Deno cannot (a TCP reset, a full backlog). */
export interface PythonPeer extends AsyncDisposable {
  /** The port it printed. */
  readonly port: number;
}

/**
 * Runs a python3 script that prints its port on its first line, and stops it
 * on dispose.
 *
 * @param script The script.
 * @returns The running peer.
 */
export async function startPythonPeer(script: string): Promise<PythonPeer> {
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await lines.read()).value ?? "";
  const port = Number(first.trim().split("\n")[0]);
  return {
    port,
    async [Symbol.asyncDispose](): Promise<void> {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await child.status;
      await lines.cancel();
    },
  };
}

/** The command line entry, for tests that run Parley as a user does. */
export const CLI = new URL("../cli.ts", import.meta.url).pathname;

/** What a finished child run printed, and how it ended. */
export interface ChildRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `parley ARGS…` as a child process and waits for it.
 *
 * @param args The CLI's arguments.
 * @param env Extra environment variables.
 * @returns Its exit code and output.
 */
export async function runParley(
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs Parley with a home of its own: the sandbox hides the home, and the
 * machine's Python may live in the real one (pyenv).
 */
export async function runSandboxed(
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildRun> {
  const home = await Deno.makeTempDir({ prefix: "parley-home-" });
  try {
    await Deno.writeTextFile(`${home}/.secret`, "the grader's");
    return await runParley(args, {
      HOME: home,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      ...env,
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/**
 * Runs a command and measures the peak resident memory of its process
 * tree (the largest of its processes), as the kernel counted it.
 *
 * @param args The command and its arguments.
 * @param env Extra environment variables.
 * @returns Its exit code, output and peak RSS in MiB.
 */
export async function runMeasured(
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildRun & { readonly peakMiB: number }> {
  // getrusage(RUSAGE_CHILDREN) gives the largest peak of the waited-for tree.
  const script = `
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL)
sys.stderr.write("\\nPEAK_KIB=%d CODE=%d\\n" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, result.returncode))
`;
  const output = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const stderr = decoder.decode(output.stderr);
  const match = /\nPEAK_KIB=(\d+) CODE=(-?\d+)\n$/.exec(stderr);
  if (match === null) throw new Error(`No measurement: ${stderr.slice(-2000)}`);
  return {
    code: Number(match[2]),
    stdout: decoder.decode(output.stdout),
    stderr: stderr.slice(0, match.index),
    peakMiB: Number(match[1]) / 1024,
  };
}

/** Whether a process exists and has not exited: the check the engine reaps with. */
export { isAlive as isRunning } from "../runner/reap.ts";

/** A fixture's absolute path. */
export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** Prints a measured figure beside the test output (stderr; tests keep stdout for results). */
export function reportFigure(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      const info = Deno.statSync(`${dir}/${tool}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

/**
 * Declares a test that drives tools which a fresh machine may lack
 * (`redis-server`, `xmllint`, …). Where one is missing the test is ignored,
 * its name saying why ("ignored: redis-server is not installed"); with
 * `PARLEY_REQUIRE_TOOLS=1` (as `.ci/run` sets it) a missing tool fails the
 * test instead, so CI never skips silently.
 *
 * @param tools The commands the test runs.
 * @param name The test's name.
 * @param fn The test.
 */
export function testWithTools(tools: string[], name: string, fn: () => Promise<void>): void {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length > 0 && Deno.env.get("PARLEY_REQUIRE_TOOLS") !== "1") {
    Deno.test({
      name: `${name} (ignored: ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } not installed)`,
      ignore: true,
      fn,
    });
    return;
  }
  Deno.test(name, async () => {
    if (missing.length > 0) {
      throw new Error(
        `${
          missing.join(", ")
        } must be installed: PARLEY_REQUIRE_TOOLS=1 makes a missing tool a failure`,
      );
    }
    await fn();
  });
}
