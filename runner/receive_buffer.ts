/**
 * The bytes a connection has received and not yet consumed. Reads append,
 * steps wait on a matcher, and a waiter wakes on data, end or deadline.
 *
 * @module
 */

import type { Captures, Matcher } from "./match/result.ts";

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
  | { readonly status: "aborted"; readonly unread: Uint8Array };

const INITIAL_CAPACITY = 4096;

/**
 * Gathers a stream's bytes however they were split into reads, and holds at
 * most `maxBytes` unread bytes.
 *
 * @example
 * ```ts
 * import { ReceiveBuffer } from "./receive_buffer.ts";
 * import { expectBytes } from "./match/bytes.ts";
 * const buffer = new ReceiveBuffer(1024);
 * const waiting = buffer.waitFor(expectBytes(new TextEncoder().encode("hi")), AbortSignal.timeout(1000));
 * buffer.push(new TextEncoder().encode("h"));
 * buffer.push(new TextEncoder().encode("i"));
 * console.assert((await waiting).status === "matched");
 * ```
 */
export class ReceiveBuffer {
  #data = new Uint8Array(INITIAL_CAPACITY);
  #start = 0;
  #end = 0;
  #ended: StreamEnd | undefined;
  #waiters = new Set<() => void>();
  #roomWaiters = new Set<() => void>();
  readonly #maxBytes: number;

  /**
   * @param maxBytes The most unread bytes held; more ends the stream with `overflow`.
   */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The unread bytes (a view, valid until the next push or consume). */
  get unread(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  /** Why no more bytes will arrive, once that is known. */
  get ended(): StreamEnd | undefined {
    return this.#ended;
  }

  /** Whether the buffer holds more than its limit, so reading should pause. */
  get full(): boolean {
    return this.#end - this.#start > this.#maxBytes;
  }

  /**
   * Waits until the buffer is no longer full or the stream has ended: the
   * reader's back-pressure, so a peer cannot make us hold unbounded bytes.
   */
  async waitForRoom(): Promise<void> {
    while (this.full && this.#ended === undefined) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#roomWaiters.delete(done);
          resolve();
        };
        this.#roomWaiters.add(done);
      });
    }
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
    this.#wake();
  }

  /**
   * Records that no more bytes will arrive.
   *
   * @param end Why.
   */
  end(end: StreamEnd): void {
    if (this.#ended !== undefined) return;
    this.#ended = end;
    this.#wake();
    for (const waiter of [...this.#roomWaiters]) waiter();
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
      const result = matcher(this.unread, this.#ended !== undefined);
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
      if (this.full) {
        // The matcher cannot decide within the limit: more bytes will not help.
        const end: StreamEnd = { kind: "overflow", limit: this.#maxBytes };
        return { status: "ended", end, unread: this.unread.slice() };
      }
      if (this.#ended !== undefined) {
        return { status: "ended", end: this.#ended, unread: this.unread.slice() };
      }
      if (signal.aborted) return { status: "aborted", unread: this.unread.slice() };
      await this.#changed(signal);
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
      await this.#changed(signal);
    }
    return true;
  }

  #changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #consume(count: number): void {
    if (count === 0) return;
    this.#start += count;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (!this.full) { for (const waiter of [...this.#roomWaiters]) waiter(); }
  }

  #reserve(extra: number): void {
    const unread = this.#end - this.#start;
    if (this.#end + extra <= this.#data.length) return;
    if (unread + extra <= this.#data.length / 2) {
      this.#data.copyWithin(0, this.#start, this.#end);
    } else {
      let capacity = this.#data.length * 2;
      while (capacity < unread + extra) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.#data.subarray(this.#start, this.#end));
      this.#data = grown;
    }
    this.#start = 0;
    this.#end = unread;
  }
}
