/**
 * `spawn` as a step: start a process that steps talk to through its stdin,
 * stdout and stderr.
 *
 * @module
 */

import { resolve } from "@std/path/posix/resolve";
import { untilAborted } from "../channels/channel.ts";
import { ProcessChannel } from "../channels/process.ts";
import { splitCommandLine } from "../command_line.ts";
import { describeExit, SpawnError } from "../process.ts";
import { describeReadiness, waitUntilReady } from "../program.ts";
import type { ProgramSpec, Readiness, Transport } from "../suite.ts";
import type { SandboxPlan } from "../confine.ts";
import { fill, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";
import { type ActionInput, type DecodeKit, TRANSPORTS } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import {
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
  SANDBOX,
  TEXT,
  TEXT_MAP,
} from "../decode/schema_types.ts";

/** `spawn` as a step: a process that is a channel (stdin, stdout, stderr). */
export interface SpawnStep extends StepBase, ProgramSpec {
  /** The action. */
  readonly action: "spawn";
  /** The channel's name. */
  readonly as: string;
  /** What the step waits for before the next one: none, a bound port, or a line of output. */
  readonly ready: Readiness | undefined;
  /** With `ready: port`: the port, before interpolation (`${srv.port}` or `9000`). */
  readonly port: string | undefined;
  /** With `ready: port`: what it serves on the port. */
  readonly transport: Transport;
}

/** The program's arguments, working directory and environment, filled in. */
export interface ProgramInvocation {
  /** The program and its arguments. */
  readonly args: string[];
  /** The working directory, absolute. */
  readonly cwd: string;
  /** Extra environment variables. */
  readonly env: Record<string, string>;
  /** With `sandbox: true`: what it may write and what it may not see. */
  readonly sandbox: SandboxPlan | undefined;
}

/**
 * Fills in a program spec: the command line is split first, then each
 * argument interpolated, so a value with spaces stays one argument.
 *
 * A sandbox hides the suite's folder and the grader's home, and lets the
 * program write only the submission (`${submission}`, when the run has
 * one; it then starts there unless `cwd` says otherwise) or else its
 * working directory.
 *
 * @param spec The spec as validated.
 * @param options `dir`, the suite's folder, where a relative `cwd` starts;
 *   `fill`, which fills in `${…}`; `submission`, the submission's folder.
 * @returns What to run.
 */
export function invocation(
  spec: ProgramSpec,
  options: { dir: string; fill: (template: string) => string; submission?: string | undefined },
): ProgramInvocation {
  const { dir, fill: variables } = options;
  const words = typeof spec.run === "string" ? splitCommandLine(spec.run) : spec.run;
  const submission = options.submission === undefined
    ? undefined
    : resolve(dir, options.submission);
  // In a sandbox the suite's folder is hidden: it starts in the submission.
  const cwd = spec.cwd !== undefined
    ? resolve(dir, variables(spec.cwd))
    : spec.sandbox === true && submission !== undefined
    ? submission
    : dir;
  const home = Deno.env.get("HOME");
  return {
    args: words.map(variables),
    cwd,
    env: Object.fromEntries(
      Object.entries(spec.env).map(([key, value]) => [key, variables(value)]),
    ),
    sandbox: spec.sandbox === true
      ? {
        writable: submission ?? cwd,
        hidden: [
          resolve(dir),
          ...(home !== undefined && home.startsWith("/") && home !== "/" ? [home] : []),
        ],
      }
      : undefined,
  };
}

/**
 * Runs a `spawn` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runSpawn(given: SpawnStep, context: StepContext): Promise<void> {
  const step = { ...given, limits: given.limits ?? context.defaultLimits };
  const { args, cwd, env, sandbox } = invocation(step, {
    dir: context.dir,
    fill: (text) => fill(context, text),
    submission: context.variables.submission,
  });
  let channel: ProcessChannel;
  try {
    channel = ProcessChannel.spawn(step.as, args, {
      cwd,
      env,
      transcript: context.transcript,
      maxBuffer: context.maxBuffer,
      limits: step.limits,
      sandbox,
    });
  } catch (error) {
    if (!(error instanceof SpawnError)) throw error;
    throw StepFailedError.setup(step.as, error);
  }
  context.channels.set(step.as, channel);
  context.processes.push(channel.process);
  if (step.ready === undefined) return;
  const port = step.port === undefined ? undefined : Number(fill(context, step.port));
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new StepFailedError({
      reason: "error",
      channel: step.as,
      message: `Invalid port "${fill(context, step.port!)}": expected 1 to 65535`,
    });
  }
  const target = { port, transport: step.transport };
  const waitingFor = describeReadiness(step.ready, target);
  let ready: boolean;
  try {
    ready = await waitUntilReady(channel.process, step.ready, {
      ...target,
      signal: context.signal,
    });
  } catch (error) {
    throw StepFailedError.of(step.as, error);
  }
  if (ready) return;
  // Its output ended (or it gave up the port): its exit is on the way.
  const exit = await untilAborted(channel.process.exited, context.signal);
  if (exit !== undefined) {
    throw new StepFailedError({
      reason: "exited",
      channel: step.as,
      message: `"${step.as}" ${
        describeExit(exit)
      } before it was ready (waiting for it ${waitingFor})`,
    });
  }
  throw waitTimedOut(context, step.as, `"${step.as}" ${waitingFor}`);
}

const SPAWN_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The process's channel name (default: main)"),
  run: described(
    { type: ["string", "array"], items: TEXT },
    "The command line, or the program and its arguments",
  ),
  cwd: described({ type: "string" }, "The working directory, relative to the suite"),
  env: described(TEXT_MAP, "Extra environment variables"),
  ready: described(
    {
      oneOf: [{ const: "port" }, {
        type: "object",
        properties: { stdout: { type: "string" } },
        required: ["stdout"],
        additionalProperties: false,
      }],
    },
    'Wait until it listens on "port" (TCP) or binds it (UDP), or prints a line matching { stdout: regex }',
  ),
  port: described(
    { type: ["integer", "string"] },
    "With ready: port, the port it serves (a number or ${variable})",
  ),
  transport: described({ enum: ["tcp", "udp"] }, "With ready: port, what it serves (default tcp)"),
  limits: described(ref("limits"), "Resource limits for it and its children"),
  sandbox: SANDBOX,
  timeout: described(
    DURATION,
    "How long it may take to be ready (default: the scenario's or suite's timeout)",
  ),
};
const SPAWN_KEYS = Object.keys(SPAWN_OPTIONS);

/** Decodes a `spawn` step as written. */
function decodeSpawn(input: ActionInput, kit: DecodeKit): SpawnStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, SPAWN_KEYS, place, `"spawn"`);
  if (options.run === undefined) {
    kit.problem(place, "missing-key", {
      key: "run",
      in: `"spawn"`,
      purpose: "the command to start",
    });
    return undefined;
  }
  const run = kit.command(options.run, kit.at(place, options, "run"), state.defined);
  const cwd = options.cwd === undefined
    ? undefined
    : kit.string(options.cwd, kit.at(place, options, "cwd"), `"cwd"`);
  const env = kit.environment(options.env, kit.at(place, options, "env"), state.defined);
  const as = kit.newName(options.as, "main", kit.at(place, options, "as"), state, `"as"`);
  const ready = options.ready === undefined
    ? undefined
    : kit.readiness(options.ready, kit.at(place, options, "ready"));
  let port: string | undefined;
  if (options.port !== undefined) {
    const at = kit.at(place, options, "port");
    if (typeof options.port === "string" && options.port.includes("${")) {
      kit.template(options.port, at, state.defined);
      port = options.port;
    } else if (kit.port(options.port, at) !== undefined) port = String(options.port);
  }
  const transport = options.transport === undefined
    ? "tcp"
    : kit.oneOf(options.transport, TRANSPORTS, kit.at(place, options, "transport"), `"transport"`);
  if (ready?.kind === "port" && options.port === undefined) {
    kit.problem(kit.at(place, options, "ready"), "missing-key", {
      key: "port",
      in: `"ready: port"`,
      purpose: "the port the process is to listen on",
    });
  }
  for (const key of ["port", "transport"] as const) {
    if (options[key] !== undefined && options.ready === undefined) {
      kit.problem(kit.at(place, options, key), "requires-key", { key, requires: ["ready"] });
    }
  }
  const timeout = kit.timeout(options, place);
  const limits = options.limits === undefined
    ? undefined
    : kit.limits(options.limits, kit.at(place, options, "limits"));
  const sandbox = options.sandbox === undefined
    ? undefined
    : kit.flag(options.sandbox, kit.at(place, options, "sandbox"), `"sandbox"`);
  if (as === undefined || run === undefined || transport === undefined) return undefined;
  state.open.set(as, { kind: "process", step: base.number });
  return {
    ...base,
    action: "spawn",
    as,
    run,
    cwd,
    env,
    limits,
    sandbox: sandbox ?? false,
    ready,
    port,
    transport,
    timeout,
  };
}

/** The `spawn` action. */
export const spawnAction: ActionSpec<SpawnStep> = {
  action: "spawn",
  shorthand: "run",
  options: SPAWN_OPTIONS,
  summary: "Starts a process whose stdin, stdout and stderr are a channel.",
  decode: decodeSpawn,
  run: runSpawn,
};
