/**
 * The shape every matcher shares: a pure function over the unread bytes.
 *
 * @module
 */

/** Named regex groups captured by a match. */
export type Captures = Record<string, string>;

/** The bytes matched; `consumed` of them are taken from the buffer. */
export interface Matched {
  readonly status: "matched";
  /** How many bytes the match takes from the front of the buffer. */
  readonly consumed: number;
  /** Named groups captured on the way. */
  readonly captures: Captures;
}

/** The bytes can never match, whatever arrives next. */
export interface Mismatch {
  readonly status: "mismatch";
  /** Offset of the first byte that differs, from the front of the buffer. */
  readonly offset: number;
  /** Why, in a sentence. */
  readonly reason: string;
}

/** Not decided yet: more bytes are needed. */
export interface Incomplete {
  readonly status: "incomplete";
  /** Bytes at the front that can never be part of a match and may be dropped. */
  readonly discard: number;
}

/** What a matcher says about the unread bytes. */
export type MatchResult = Matched | Mismatch | Incomplete;

/**
 * Decides whether the unread bytes match. `ended` is true when no more bytes
 * will arrive, so a matcher may decide on what it has.
 */
export type Matcher = (bytes: Uint8Array, ended: boolean) => MatchResult;

/** The result for bytes that need more input. */
export const INCOMPLETE: Incomplete = Object.freeze({ status: "incomplete", discard: 0 });

/**
 * Builds a {@linkcode Matched} result.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { matched } from "./result.ts";
 * assert(matched(3).consumed === 3);
 * ```
 *
 * @param consumed Bytes taken from the buffer.
 * @param captures Named groups captured.
 * @returns The result.
 */
export function matched(consumed: number, captures: Captures = {}): Matched {
  return { status: "matched", consumed, captures };
}

/**
 * Builds a {@linkcode Mismatch} result.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { mismatch } from "./result.ts";
 * assert(mismatch(2, "Byte 2 differs").offset === 2);
 * ```
 *
 * @param offset Offset of the first byte that differs.
 * @param reason Why, in a sentence.
 * @returns The result.
 */
export function mismatch(offset: number, reason: string): Mismatch {
  return { status: "mismatch", offset, reason };
}

const decoder = new TextDecoder();

/**
 * Decodes UTF-8, replacing invalid sequences, as matchers compare text.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { decodeText } from "./result.ts";
 * assert(decodeText(new Uint8Array([104, 105])) === "hi");
 * ```
 *
 * @param bytes The bytes.
 * @returns The text.
 */
export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
