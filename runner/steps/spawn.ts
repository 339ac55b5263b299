/**
 * `spawn` as a step: start a process that steps talk to through its stdin,
 * stdout and stderr.
 *
 * @module
 */

import { resolve } from "@std/path/posix/resolve";
import { ProcessChannel } from "../channels/process.ts";
import { splitCommandLine } from "../command_line.ts";
import { SpawnError } from "../process.ts";
import type { ProgramSpec } from "../suite.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import {
  CONNECTION_NAME,
  described,
  type JsonSchema,
  TEXT,
  TEXT_MAP,
} from "../decode/schema_types.ts";

/** `spawn` as a step: a process that is a channel (stdin, stdout, stderr). */
export interface SpawnStep extends StepBase, ProgramSpec {
  /** The action. */
  readonly action: "spawn";
  /** The channel's name. */
  readonly as: string;
}

/** The program's arguments, working directory and environment, filled in. */
export interface ProgramInvocation {
  /** The program and its arguments. */
  readonly args: string[];
  /** The working directory, absolute. */
  readonly cwd: string;
  /** Extra environment variables. */
  readonly env: Record<string, string>;
}

/**
 * Fills in a program spec: the command line is split first, then each
 * argument interpolated, so a value with spaces stays one argument.
 *
 * @param spec The spec as validated.
 * @param options `dir`, the folder a relative `cwd` starts from, and `fill`, which fills in `${…}`.
 * @returns What to run.
 */
export function invocation(
  spec: ProgramSpec,
  options: { dir: string; fill: (template: string) => string },
): ProgramInvocation {
  const { dir, fill: variables } = options;
  const words = typeof spec.run === "string" ? splitCommandLine(spec.run) : spec.run;
  return {
    args: words.map(variables),
    cwd: resolve(dir, spec.cwd === undefined ? "." : variables(spec.cwd)),
    env: Object.fromEntries(
      Object.entries(spec.env).map(([key, value]) => [key, variables(value)]),
    ),
  };
}

/**
 * Runs a `spawn` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export function runSpawn(step: SpawnStep, context: StepContext): Promise<void> {
  const { args, cwd, env } = invocation(step, {
    dir: context.dir,
    fill: (text) => fill(context, text),
  });
  try {
    const channel = ProcessChannel.spawn(step.as, args, {
      cwd,
      env,
      transcript: context.transcript,
      maxBuffer: context.maxBuffer,
    });
    context.channels.set(step.as, channel);
    context.processes.push(channel.process);
  } catch (error) {
    if (!(error instanceof SpawnError)) throw error;
    throw new StepFailedError({ reason: "error", channel: step.as, message: error.message }, {
      cause: error,
    });
  }
  return Promise.resolve();
}

const SPAWN_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The process's channel name (default: main)"),
  run: described(
    { type: ["string", "array"], items: TEXT },
    "The command line, or the program and its arguments",
  ),
  cwd: described({ type: "string" }, "The working directory, relative to the suite"),
  env: described(TEXT_MAP, "Extra environment variables"),
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
  if (as === undefined || run === undefined) return undefined;
  state.open.set(as, { kind: "process", step: base.number });
  return { ...base, action: "spawn", as, run, cwd, env, timeout: undefined };
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
