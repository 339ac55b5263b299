/**
 * The bytes a connection has received and not yet consumed. Reads append,
 * steps wait on a matcher, and a waiter wakes on data, end or deadline.
 *
 * Reading is on demand: a waiter whose matcher needs more bytes asks the
 * connection for one more read. Nothing is read while no step waits, so the
 * kernel's buffers hold a fast peer back and memory stays bounded by what
 * one matcher needs (at most `maxBytes`).
 *
 * @module
 */

import type { Captures, Matcher } from "./match/result.ts";
import { Notifier } from "./notifier.ts";
import { RegexPending, RegexTimeoutError } from "./match/regex_guard.ts";

/** Why a stream will receive no more bytes. */
export type StreamEnd =
  | { readonly kind: "closed" }
  | { readonly kind: "reset"; readonly message: string }
  | { readonly kind: "overflow"; readonly limit: number };

/** How waiting on the buffer ended. */
export type WaitOutcome =
  | { readonly status: "matched"; readonly bytes: Uint8Array; readonly captures: Captures }
  | {
    readonly status: "mismatch";
    readonly offset: number;
    readonly reason: string;
    readonly unread: Uint8Array;
  }
  | { readonly status: "ended"; readonly end: StreamEnd; readonly unread: Uint8Array }
  | {
    readonly status: "aborted";
    readonly unread: Uint8Array;
    /** A regex search that was still running at the deadline, and was stopped. */
    readonly stalled?: RegexTimeoutError;
  };

const MIN_CAPACITY = 1024;

/**
 * Gathers a stream's bytes however they were split into reads, and holds at
 * most `maxBytes` unread bytes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ReceiveBuffer } from "./receive_buffer.ts";
 * import { expectBytes } from "./match/bytes.ts";
 * const buffer = new ReceiveBuffer(1024);
 * const waiting = buffer.waitFor(expectBytes(new TextEncoder().encode("hi")), AbortSignal.timeout(1000));
 * buffer.push(new TextEncoder().encode("h"));
 * buffer.push(new TextEncoder().encode("i"));
 * assert((await waiting).status === "matched");
 * ```
 */
export class ReceiveBuffer {
  // Allocated on the first push: a buffer per connection adds up over
  // thousands of short conversations.
  #data = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #ended: StreamEnd | undefined;
  readonly #changed = new Notifier();
  readonly #consumed = new Notifier();
  readonly #maxBytes: number;
  readonly #demand: () => void;

  /**
   * Creates an empty buffer.
   *
   * @param maxBytes The most unread bytes a matcher may need; past that it fails with `overflow`.
   * @param demand Asks the connection for more bytes; called while a waiter needs them.
   */
  constructor(maxBytes: number, demand: () => void = () => {}) {
    this.#maxBytes = maxBytes;
    this.#demand = demand;
  }

  /** The unread bytes (a view, valid until the next push or consume). */
  get unread(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  /** Why no more bytes will arrive, once that is known. */
  get ended(): StreamEnd | undefined {
    return this.#ended;
  }

  /**
   * Appends received bytes.
   *
   * @param chunk The bytes read; copied.
   */
  push(chunk: Uint8Array): void {
    if (this.#ended !== undefined || chunk.length === 0) return;
    this.#reserve(chunk.length);
    this.#data.set(chunk, this.#end);
    this.#end += chunk.length;
    this.#changed.notify();
  }

  /**
   * Records that no more bytes will arrive.
   *
   * @param end Why.
   */
  end(end: StreamEnd): void {
    if (this.#ended !== undefined) return;
    this.#ended = end;
    this.#changed.notify();
  }

  /**
   * Waits until `matcher` decides on the unread bytes, the stream ends, or
   * `signal` aborts. Matched bytes are consumed; bytes the matcher gives up
   * are dropped.
   *
   * @param matcher Decides on the unread bytes.
   * @param signal Aborts the wait (the step's deadline).
   * @returns How the wait ended.
   */
  async waitFor(matcher: Matcher, signal: AbortSignal): Promise<WaitOutcome> {
    while (true) {
      let result;
      try {
        // A reset is no orderly end: what needed the end to decide ends as a reset.
        result = matcher(this.unread, this.#ended !== undefined && this.#ended.kind !== "reset");
      } catch (error) {
        if (!(error instanceof RegexPending)) throw error;
        // The matcher's regex moved to a worker: wait for it, then decide again.
        if (await error.settle(signal)) continue;
        const stalled = new RegexTimeoutError(error.source, error.size, { cause: signal.reason });
        return { status: "aborted", unread: this.unread.slice(), stalled };
      }
      if (result.status === "matched") {
        const bytes = this.unread.slice(0, result.consumed);
        this.#consume(result.consumed);
        return { status: "matched", bytes, captures: result.captures };
      }
      if (result.status === "mismatch") {
        return {
          status: "mismatch",
          offset: result.offset,
          reason: result.reason,
          unread: this.unread.slice(),
        };
      }
      this.#consume(result.discard);
      if (this.#end - this.#start > this.#maxBytes) {
        // The matcher cannot decide within the limit: more bytes will not help.
        const end: StreamEnd = { kind: "overflow", limit: this.#maxBytes };
        return { status: "ended", end, unread: this.unread.slice() };
      }
      if (this.#ended !== undefined) {
        return { status: "ended", end: this.#ended, unread: this.unread.slice() };
      }
      if (signal.aborted) return { status: "aborted", unread: this.unread.slice() };
      this.#demand();
      await this.#changed.wait(signal);
    }
  }

  /**
   * Waits until a byte arrives or the stream ends (`true`), or `signal`
   * aborts first (`false`).
   *
   * @param signal Aborts the wait.
   * @returns Whether anything happened before the signal.
   */
  async waitForActivity(signal: AbortSignal): Promise<boolean> {
    while (this.#end === this.#start && this.#ended === undefined) {
      if (signal.aborted) return false;
      this.#demand();
      await this.#changed.wait(signal);
    }
    return true;
  }

  /**
   * Waits while `maxBytes` or more unread bytes are held, for a producer
   * that pushes on its own (a process's output) and must not outrun the
   * steps that read it.
   *
   * @param signal Ends the wait.
   */
  async waitForRoom(signal: AbortSignal): Promise<void> {
    while (this.#end - this.#start >= this.#maxBytes && this.#ended === undefined) {
      if (signal.aborted) return;
      await this.#consumed.wait(signal);
    }
  }

  /**
   * Drops the oldest unread bytes beyond the latest `count`, for a stream
   * that must never wait for its reader (a program's log).
   *
   * @param count How many unread bytes to keep.
   * @returns How many were dropped.
   */
  keepLatest(count: number): number {
    const excess = this.#end - this.#start - count;
    if (excess <= 0) return 0;
    this.#consume(excess);
    return excess;
  }

  #consume(count: number): void {
    if (count === 0) return;
    this.#start += count;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#consumed.notify();
  }

  #reserve(extra: number): void {
    const unread = this.#end - this.#start;
    if (this.#end + extra <= this.#data.length) return;
    if (unread + extra <= this.#data.length / 2) {
      this.#data.copyWithin(0, this.#start, this.#end);
    } else {
      let capacity = Math.max(this.#data.length * 2, MIN_CAPACITY);
      while (capacity < unread + extra) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.#data.subarray(this.#start, this.#end));
      this.#data = grown;
    }
    this.#start = 0;
    this.#end = unread;
  }
}
