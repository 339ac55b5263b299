/**
 * Waiting for clients that may never come: when Parley plays the server
 * (`accept` on a TCP listener, `expect` on a UDP one), the scenario's own
 * processes are the clients. Once all of them have exited, waiting longer
 * cannot help: the step fails at once, saying how each ended.
 *
 * @module
 */

import { aborted } from "../channels/channel.ts";
import { clipText } from "../clip.ts";
import { Deadline } from "../deadline.ts";
import { describeExit, type RunningProcess } from "../process.ts";
import type { StepContext } from "./context.ts";

/** How long a client that exited may still turn up (queued, or in flight). */
const EXIT_GRACE_MS = 200;

/** A watch on the scenario's running processes during one wait. */
export interface ClientsWatch extends Disposable {
  /** Aborts once every process that was running has exited, and a grace passed. */
  readonly signal: AbortSignal;
  /** Why: `"client" exited with code 1 before sending to "srv"; its stderr ends: "…"`. */
  describe(doing: string): string;
}

/**
 * Watches the processes of the scenario that are running as a wait begins.
 * Dispose of it when the wait is over, so its grace does not fire late.
 *
 * @param context The scenario's state.
 * @returns The watch.
 */
export function watchClients(context: StepContext): ClientsWatch {
  const clients: RunningProcess[] = context.processes.filter((process) =>
    process.exit === undefined
  );
  const gone = new AbortController();
  const done = new AbortController();
  if (clients.length > 0) {
    Promise.all(clients.map((process) => process.exited)).then(async () => {
      // What a client sent just before it exited is on its way: a moment's grace.
      using grace = new Deadline(EXIT_GRACE_MS, [context.signal, done.signal]);
      await aborted(grace.signal);
      if (!done.signal.aborted) gone.abort();
    });
  }
  return {
    signal: gone.signal,
    describe: (doing: string): string =>
      clients.map((process) => {
        const last = process.stderrText().trimEnd().split("\n").at(-1)?.trim() ?? "";
        return `"${process.name}" ${describeExit(process.exit!)} before ${doing}${
          last === "" ? "" : `; its stderr ends: ${JSON.stringify(clipText(last, 200))}`
        }`;
      }).join("; "),
    [Symbol.dispose]: (): void => done.abort(),
  };
}
