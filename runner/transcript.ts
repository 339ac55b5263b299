/**
 * What crossed each channel of a scenario, and when.
 *
 * @module
 */

import type { SecretMask } from "./mask.ts";

/** What happened on a channel. */
export type TranscriptEventKind = "connect" | "send" | "receive" | "close" | "end" | "note";

/** One entry of a transcript. */
export interface TranscriptEvent {
  /** Milliseconds since the scenario started. */
  readonly at: number;
  /** The channel's name. */
  readonly channel: string;
  /** What happened. */
  readonly kind: TranscriptEventKind;
  /** The first bytes of a payload, at most the transcript's preview size. */
  readonly bytes?: Uint8Array;
  /** The payload's full size in bytes. */
  readonly size?: number;
  /** A short description, e.g. the address connected to or why it ended. */
  readonly detail?: string;
}

/** Options for a {@linkcode Transcript}. */
export interface TranscriptOptions {
  /**
   * The most bytes kept of one payload.
   *
   * @default {1024}
   */
  previewBytes?: number;
  /**
   * The most events kept in all; later ones are counted, not kept.
   *
   * @default {1000}
   */
  maxEvents?: number;
  /**
   * The most events kept of one channel; later ones are counted, not kept.
   *
   * @default {200}
   */
  maxChannelEvents?: number;
  /**
   * The most payload bytes kept in all; past it, a payload keeps at most
   * its first 32 bytes.
   *
   * @default {16384}
   */
  maxPreviewTotal?: number;
  /**
   * Hides secrets in payloads and descriptions before they are clipped.
   *
   * @default {undefined}
   */
  mask?: SecretMask;
}

/** What a payload keeps once the transcript's byte budget is spent. */
const SPENT_PREVIEW_BYTES = 32;

/**
 * Records a scenario's conversation with bounded memory: at most 1 KiB of
 * each payload, 200 events per channel, 1000 in all and 16 KiB of payloads
 * (then 32 bytes each), whatever a peer sends. What is left out is counted.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Transcript } from "./transcript.ts";
 * const transcript = new Transcript();
 * transcript.record("main", "send", { bytes: new TextEncoder().encode("hi\n") });
 * assert(transcript.events[0]?.size === 3);
 * ```
 */
export class Transcript {
  #log: TranscriptLog;
  #suffix = "";

  /**
   * Creates an empty transcript.
   *
   * @param options Preview size and event limits.
   */
  constructor(options: TranscriptOptions = {}) {
    this.#log = {
      started: performance.now(),
      events: [],
      previewBytes: options.previewBytes ?? 1024,
      maxEvents: options.maxEvents ?? 1000,
      maxChannelEvents: options.maxChannelEvents ?? 200,
      previewBudget: options.maxPreviewTotal ?? 16 * 1024,
      perChannel: new Map(),
      dropped: 0,
      mask: options.mask === undefined || options.mask.empty ? undefined : options.mask,
    };
  }

  /**
   * A view that records into the same transcript with `suffix` after every
   * channel name: a `repeat` iteration's `conn` shows as `conn#3`.
   *
   * @param suffix Appended to channel names.
   * @returns The view.
   */
  scoped(suffix: string): Transcript {
    const view = new Transcript();
    view.#log = this.#log;
    view.#suffix = this.#suffix + suffix;
    return view;
  }

  /**
   * The events recorded, in order, then a note for each channel that had
   * events left out: `412 more events not recorded`.
   */
  get events(): readonly TranscriptEvent[] {
    const log = this.#log;
    const notes: TranscriptEvent[] = [];
    for (const [channel, counts] of log.perChannel) {
      if (counts.dropped === 0) continue;
      notes.push({
        at: counts.lastAt,
        channel,
        kind: "note",
        detail: `${counts.dropped} more ${
          counts.dropped === 1 ? "event" : "events"
        } not recorded (the transcript keeps ${log.maxChannelEvents} per channel and ${log.maxEvents} in all)`,
      });
    }
    return notes.length === 0 ? log.events : [...log.events, ...notes];
  }

  /** How many events were not kept because of the limits. */
  get dropped(): number {
    return this.#log.dropped;
  }

  /** Milliseconds since the transcript started. */
  now(): number {
    return performance.now() - this.#log.started;
  }

  /**
   * Records an event.
   *
   * @param channel The channel's name.
   * @param kind What happened.
   * @param details The payload and a description.
   */
  record(
    channel: string,
    kind: TranscriptEventKind,
    details: { bytes?: Uint8Array; detail?: string } = {},
  ): void {
    const log = this.#log;
    const name = channel + this.#suffix;
    let counts = log.perChannel.get(name);
    if (counts === undefined) {
      counts = { kept: 0, dropped: 0, lastAt: 0 };
      log.perChannel.set(name, counts);
    }
    // Ends, closes and notes always fit: they say how the channel's story
    // ended and what was left out, and there are few of them.
    const always = kind === "end" || kind === "close" || kind === "note";
    if (
      !always && (counts.kept >= log.maxChannelEvents || log.events.length >= log.maxEvents)
    ) {
      log.dropped++;
      counts.dropped++;
      counts.lastAt = this.now();
      return;
    }
    counts.kept++;
    const bytes = details.bytes === undefined || log.mask === undefined
      ? details.bytes
      : log.mask.bytes(details.bytes);
    const detail = details.detail === undefined || log.mask === undefined
      ? details.detail
      : log.mask.text(details.detail);
    let payload: { bytes: Uint8Array; size: number } | undefined;
    if (bytes !== undefined) {
      const room = log.previewBudget > 0 ? log.previewBytes : SPENT_PREVIEW_BYTES;
      payload = { bytes: bytes.slice(0, Math.min(room, bytes.length)), size: bytes.length };
      log.previewBudget -= payload.bytes.length;
    }
    log.events.push({
      at: this.now(),
      channel: name,
      kind,
      ...payload,
      ...(detail === undefined ? {} : { detail: clipText(detail) }),
    });
  }
}

/** The most characters of an event's description. */
const MAX_DETAIL = 1024;

function clipText(text: string): string {
  return text.length <= MAX_DETAIL
    ? text
    : `${text.slice(0, MAX_DETAIL)}… (${text.length} characters)`;
}

/** The events of a transcript and its scoped views. */
interface TranscriptLog {
  readonly started: number;
  readonly events: TranscriptEvent[];
  readonly previewBytes: number;
  readonly maxEvents: number;
  readonly maxChannelEvents: number;
  /** Payload bytes that may still be kept at full preview size. */
  previewBudget: number;
  readonly perChannel: Map<string, { kept: number; dropped: number; lastAt: number }>;
  dropped: number;
  readonly mask: SecretMask | undefined;
}
