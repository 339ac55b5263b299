/**
 * What crossed each channel of a scenario, and when.
 *
 * @module
 */

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
   * The most events kept; later ones are counted, not kept.
   *
   * @default {2000}
   */
  maxEvents?: number;
}

/**
 * Records a scenario's conversation with bounded memory.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Transcript } from "./transcript.ts";
 * const transcript = new Transcript();
 * transcript.record("main", "send", { bytes: new TextEncoder().encode("hi\n") });
 * assert(transcript.events[0].size === 3);
 * ```
 */
export class Transcript {
  #log: TranscriptLog;
  #suffix = "";

  /**
   * Creates an empty transcript.
   *
   * @param options Preview size and event limit.
   */
  constructor(options: TranscriptOptions = {}) {
    this.#log = {
      started: performance.now(),
      events: [],
      previewBytes: options.previewBytes ?? 1024,
      maxEvents: options.maxEvents ?? 2000,
      dropped: 0,
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

  /** The events recorded, in order. */
  get events(): readonly TranscriptEvent[] {
    return this.#log.events;
  }

  /** How many events were not kept because of the limit. */
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
    if (log.events.length >= log.maxEvents) {
      log.dropped++;
      return;
    }
    const { bytes, detail } = details;
    log.events.push({
      at: this.now(),
      channel: channel + this.#suffix,
      kind,
      ...(bytes === undefined ? {} : {
        bytes: bytes.slice(0, log.previewBytes),
        size: bytes.length,
      }),
      ...(detail === undefined ? {} : { detail }),
    });
  }
}

/** The events of a transcript and its scoped views. */
interface TranscriptLog {
  readonly started: number;
  readonly events: TranscriptEvent[];
  readonly previewBytes: number;
  readonly maxEvents: number;
  dropped: number;
}
