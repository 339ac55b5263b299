/**
 * A suite's stub as a channel, `stub`: `expect: { on: stub, received: … }`
 * checks what the client under test sent the stub, from its journal.
 *
 * @module
 */

import type { StubServer } from "../stub.ts";
import type { MatchResult } from "../match/result.ts";
import { type Channel, SendError } from "./channel.ts";

/**
 * What the stub received, read in order from where the scenario began.
 *
 * @example
 * ```ts ignore
 * import { StubJournalChannel } from "./journal.ts";
 * const channel = new StubJournalChannel(stub);
 * ```
 */
export class StubJournalChannel implements Channel {
  /** @inheritdoc */
  readonly name = "stub";
  /** @inheritdoc */
  readonly transport = "tcp" as const;
  /** @inheritdoc */
  readonly peer = "the stub's journal";
  readonly #stub: StubServer;
  /** The next journal entry to read. */
  #next: number;

  /**
   * Reads the stub's journal from now on.
   *
   * @param stub The running stub.
   */
  constructor(stub: StubServer) {
    this.#stub = stub;
    this.#next = stub.journal.length;
  }

  /**
   * Waits for the next message the stub received that passes `test`; the
   * ones before it are passed over.
   *
   * @param test Decides on one message.
   * @param signal The step's deadline.
   * @returns The message and its result, or `undefined` when none came in time.
   */
  async next(
    test: (message: Uint8Array) => MatchResult,
    signal: AbortSignal,
  ): Promise<{ message: Uint8Array; result: MatchResult } | undefined> {
    while (true) {
      const journal = this.#stub.journal;
      while (this.#next < journal.length) {
        const entry = journal[this.#next++]!;
        if (entry.kind !== "received" || entry.bytes === undefined) continue;
        const result = test(entry.bytes);
        if (result.status === "matched") return { message: entry.bytes, result };
      }
      if (signal.aborted) return undefined;
      await this.#stub.nextEntry(signal);
    }
  }

  /** The journal is read, not written. */
  send(): Promise<void> {
    return Promise.reject(
      new SendError(`Cannot send on "stub": it is the stub's journal`, "closed"),
    );
  }

  /** Nothing to close: the stub belongs to the suite. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Same as {@linkcode StubJournalChannel.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
