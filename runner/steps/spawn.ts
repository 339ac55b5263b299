/**
 * `spawn` as a step: start a process that steps talk to through its stdin,
 * stdout and stderr.
 *
 * @module
 */

import { resolve } from "@std/path";
import { ProcessChannel } from "../channels/process.ts";
import { splitCommandLine } from "../command_line.ts";
import { SpawnError } from "../process.ts";
import type { ProgramSpec, SpawnStep } from "../suite.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";

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
