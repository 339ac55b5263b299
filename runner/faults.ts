/**
 * Network faults a proxy applies, per direction: for TCP latency, jitter,
 * bandwidth, slicing, a byte limit, a stall and a slow close; for UDP loss,
 * duplication, reordering, delay, corruption and a limit. Chance is drawn
 * from the seed and the message's number alone, so the same seed drops the
 * same datagrams whatever the timing.
 *
 * @module
 */

/** Which way data flows through a proxy: `up` from the client, `down` from the server. */
export type Direction = "up" | "down";

/** The faults of one direction. Times in milliseconds, sizes in bytes, chances from 0 to 1. */
export interface FaultSet {
  /** TCP: each chunk waits this long (plus jitter) before it is forwarded. */
  readonly latency?: number;
  /** TCP latency and UDP delay vary by up to this much either way. */
  readonly jitter?: number;
  /** TCP: bytes per second. */
  readonly bandwidth?: number;
  /** TCP: chunks are cut into pieces of `size` bytes, `delay` apart. */
  readonly slice?: { readonly size: number; readonly delay: number };
  /** TCP: bytes forwarded before the proxy closes the connection; UDP: bytes before it drops all. */
  readonly limit?: number;
  /** TCP: after this long, nothing more is forwarded, but the connection stays open. */
  readonly timeout?: number;
  /** TCP: an end of stream is passed on only after this long. */
  readonly slowClose?: number;
  /** UDP: the chance a datagram is dropped. */
  readonly loss?: number;
  /** UDP: the chance a datagram is sent twice. */
  readonly duplicate?: number;
  /** UDP: the chance a datagram is held back and sent after the next one. */
  readonly reorder?: number;
  /** UDP: each datagram waits this long (plus jitter). */
  readonly delay?: number;
  /** UDP: the chance one byte of a datagram is flipped. */
  readonly corrupt?: number;
}

/** A proxy's faults: one set per direction, the seed, and whether it refuses connections. */
export interface Faults {
  /** From the client to the server. */
  readonly up: FaultSet;
  /** From the server to the client. */
  readonly down: FaultSet;
  /** The seed of every chance. */
  readonly seed: number;
  /** TCP: refuse new connections. */
  readonly refuse: boolean;
}

/** The faults that apply to TCP, and those that apply to UDP. */
export const TCP_FAULTS: readonly string[] = [
  "latency",
  "jitter",
  "bandwidth",
  "slice",
  "limit",
  "timeout",
  "slow_close",
  "down",
];

/** The faults that apply to UDP. */
export const UDP_FAULTS: readonly string[] = [
  "loss",
  "duplicate",
  "reorder",
  "delay",
  "jitter",
  "corrupt",
  "limit",
];

/**
 * A number from 0 (inclusive) to 1 (exclusive) that depends only on its
 * inputs: the seed, the direction, the message's number and what is drawn.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chance } from "./faults.ts";
 * assertEquals(chance(7, "up", 3, "loss"), chance(7, "up", 3, "loss"));
 * ```
 *
 * @param seed The seed.
 * @param direction Which way.
 * @param index The message's number in that direction, from 1.
 * @param what What is drawn (`loss`, `jitter`, …).
 * @returns The draw.
 */
export function chance(seed: number, direction: Direction, index: number, what: string): number {
  let hash = (seed ^ 0x9e3779b9) >>> 0;
  for (const char of `${direction}:${index}:${what}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x85ebca6b) >>> 0;
    hash = (hash ^ (hash >>> 13)) >>> 0;
  }
  // mulberry32's finisher.
  hash = Math.imul(hash ^ (hash >>> 15), hash | 1);
  hash ^= hash + Math.imul(hash ^ (hash >>> 7), hash | 61);
  return ((hash ^ (hash >>> 14)) >>> 0) / 4294967296;
}

/**
 * A delay with jitter: `base` plus up to `jitter` either way, never below 0.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { jittered } from "./faults.ts";
 * const ms = jittered(100, 10, 0.5);
 * assert(ms >= 90 && ms <= 110);
 * ```
 *
 * @param base The delay, in milliseconds.
 * @param jitter The most it varies.
 * @param draw A draw from 0 to 1.
 * @returns The delay.
 */
export function jittered(base: number, jitter: number, draw: number): number {
  return Math.max(0, base + (draw * 2 - 1) * jitter);
}

/** What happens to one datagram. */
export interface DatagramFate {
  /** Dropped: lost, or past the limit. */
  readonly dropped: "loss" | "limit" | undefined;
  /** Sent twice. */
  readonly duplicated: boolean;
  /** Held back and sent after the next one. */
  readonly reordered: boolean;
  /** The byte flipped, when one is. */
  readonly corruptedAt: number | undefined;
  /** How long it waits, in milliseconds. */
  readonly delay: number;
}

/**
 * Decides a datagram's fate from the faults, the seed and its number.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { datagramFate } from "./faults.ts";
 * const fate = datagramFate({ loss: 1 }, { seed: 1, direction: "up", index: 1, size: 10, sent: 0 });
 * assertEquals(fate.dropped, "loss");
 * ```
 *
 * @param faults The direction's faults.
 * @param datagram Its seed, direction, number, size, and the bytes sent before it.
 * @returns What happens to it.
 */
export function datagramFate(
  faults: FaultSet,
  datagram: { seed: number; direction: Direction; index: number; size: number; sent: number },
): DatagramFate {
  const { seed, direction, index } = datagram;
  const draw = (what: string): number => chance(seed, direction, index, what);
  const overLimit = faults.limit !== undefined && datagram.sent + datagram.size > faults.limit;
  const lost = faults.loss !== undefined && draw("loss") < faults.loss;
  return {
    dropped: overLimit ? "limit" : lost ? "loss" : undefined,
    duplicated: faults.duplicate !== undefined && draw("duplicate") < faults.duplicate,
    reordered: faults.reorder !== undefined && draw("reorder") < faults.reorder,
    corruptedAt: faults.corrupt !== undefined && draw("corrupt") < faults.corrupt &&
        datagram.size > 0
      ? Math.floor(draw("corrupt-at") * datagram.size)
      : undefined,
    delay: faults.delay === undefined && faults.jitter === undefined
      ? 0
      : jittered(faults.delay ?? 0, faults.jitter ?? 0, draw("jitter")),
  };
}
