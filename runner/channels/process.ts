/**
 * A spawned process as a channel: `send` writes its stdin, `expect` reads its
 * stdout or stderr, `close` closes its stdin, `exit` waits for it to end.
 *
 * @module
 */

import { RunningProcess } from "../process.ts";
import type { ReceiveBuffer } from "../receive_buffer.ts";
import type { SandboxPlan } from "../confine.ts";
import type { ProcessLimits } from "../suite.ts";
import type { Transcript } from "../transcript.ts";
import { type Channel, SendError } from "./channel.ts";

/** Options for {@linkcode ProcessChannel.spawn}. */
export interface SpawnOptions {
  /** The working directory. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Where its traffic is recorded. */
  transcript?: Transcript;
  /** The most unread output held per stream. */
  maxBuffer?: number;
  /** Resource limits for it and its children (`prlimit`). */
  limits?: ProcessLimits | undefined;
  /** The sandbox it runs in (`bwrap`), if any. */
  sandbox?: SandboxPlan | undefined;
}

/**
 * A process that steps talk to through its standard streams.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ProcessChannel } from "./process.ts";
 * await using cat = ProcessChannel.spawn("cat", ["cat"]);
 * await cat.send(new TextEncoder().encode("hi"), AbortSignal.timeout(1000));
 * await cat.closeInput();
 * assertEquals((await cat.process.exited).code, 0);
 * ```
 */
export class ProcessChannel implements Channel {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly transport = "tcp" as const;
  /** The running process. */
  readonly process: RunningProcess;
  /** Whether closing the channel stops the process (not when it belongs to the suite). */
  readonly #owned: boolean;

  private constructor(name: string, process: RunningProcess, owned: boolean) {
    this.name = name;
    this.process = process;
    this.#owned = owned;
  }

  /**
   * A channel to a process that outlives it: the program under test, which
   * the suite (or the scenario, with `per: scenario`) starts and stops.
   * Closing the channel leaves the process running.
   *
   * @param name The channel's name.
   * @param process The process.
   * @returns The channel.
   */
  static attach(name: string, process: RunningProcess): ProcessChannel {
    return new ProcessChannel(name, process, false);
  }

  /**
   * Starts the process.
   *
   * @param name The channel's name.
   * @param args The program and its arguments.
   * @param options Working directory, environment, transcript.
   * @returns The channel.
   * @throws {SpawnError} When it cannot be started.
   */
  static spawn(name: string, args: readonly string[], options: SpawnOptions = {}): ProcessChannel {
    return new ProcessChannel(
      name,
      RunningProcess.start(args, { name, ...options, readBySteps: true }),
      true,
    );
  }

  /** @inheritdoc */
  get peer(): string {
    return `process ${this.process.pid}`;
  }

  /**
   * The buffer of one of its outputs.
   *
   * @param stream `stdout` or `stderr`.
   * @returns The buffer `expect` reads.
   */
  output(stream: "stdout" | "stderr"): ReceiveBuffer {
    return stream === "stdout" ? this.process.stdout : this.process.stderr;
  }

  /** @inheritdoc */
  async send(bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.process.exit !== undefined) {
      throw new SendError(`Cannot write to "${this.name}": the process has exited`, "closed");
    }
    try {
      await this.process.write(bytes, signal);
    } catch (error) {
      throw new SendError((error as Error).message, "closed", { cause: error });
    }
  }

  /** Closes its stdin, so it reads end-of-file. */
  closeInput(): Promise<void> {
    return this.process.closeStdin();
  }

  /** Stops the process (and its children), unless it was attached; safe twice. */
  async close(): Promise<void> {
    if (this.#owned) await this.process.stop();
  }

  /** Same as {@linkcode ProcessChannel.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
