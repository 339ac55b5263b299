/**
 * Recording: what real clients and a real server said, through a proxy,
 * written out as a scenario suite (one scenario per connection: `send` as
 * the client wrote, split where it paused; `expect` for the server's
 * answers) or as a stub file (the server's answers as rules keyed on what
 * the client sent).
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import { stringify } from "@std/yaml";
import { encodeHex } from "@std/encoding/hex";
import type { TrafficEvent } from "./channels/proxy.ts";
import type { Direction } from "./faults.ts";

/** One connection, as it was recorded. */
export interface RecordedSession {
  /** Its number, from 1. */
  readonly connection: number;
  /** What crossed it, in order. */
  readonly messages: { direction: Direction; bytes: Uint8Array; at: number }[];
  /** Which side ended its stream first, when one did. */
  ended?: Direction;
}

/** The most bytes recorded in all, so a long session cannot fill the memory. */
const MAX_RECORDED = 16 * 1024 * 1024;

/**
 * Gathers a proxy's traffic into sessions.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Recorder } from "./record.ts";
 * const recorder = new Recorder();
 * recorder.add({ connection: 1, kind: "open", at: 0 });
 * recorder.add({ connection: 1, kind: "data", direction: "up", bytes: new TextEncoder().encode("PING\r\n"), at: 1 });
 * assertEquals(recorder.sessions.length, 1);
 * ```
 */
export class Recorder {
  readonly #sessions = new Map<number, RecordedSession>();
  #bytes = 0;
  /** Bytes left out past the limit. */
  dropped = 0;

  /**
   * Records one event.
   *
   * @param event What crossed the proxy.
   */
  add(event: TrafficEvent): void {
    let session = this.#sessions.get(event.connection);
    if (session === undefined) {
      session = { connection: event.connection, messages: [] };
      this.#sessions.set(event.connection, session);
    }
    if (event.kind === "end") {
      if (event.direction !== undefined) session.ended ??= event.direction;
      return;
    }
    if (event.kind !== "data" || event.bytes === undefined || event.direction === undefined) return;
    if (this.#bytes + event.bytes.length > MAX_RECORDED) {
      this.dropped += event.bytes.length;
      return;
    }
    this.#bytes += event.bytes.length;
    session.messages.push({ direction: event.direction, bytes: event.bytes, at: event.at });
  }

  /** The sessions, in the order they opened. */
  get sessions(): RecordedSession[] {
    return [...this.#sessions.values()].sort((a, b) => a.connection - b.connection);
  }
}

/** Options for {@linkcode writeSuite} and {@linkcode writeStub}. */
export interface RecordingOptions {
  /** The server that was recorded, `tcp://host:port`. */
  to: string;
  /** How the file came to be, for its first comment. */
  how: string;
  /**
   * A client pause longer than this, in milliseconds, starts a new `send`.
   *
   * @default {50}
   */
  pause?: number;
  /**
   * Masks secrets in text (the reports' masking).
   *
   * @default {no masking}
   */
  mask?: (text: string) => string;
}

/** Runs of one direction: a client's writes split where it paused, a server's answer whole. */
function runs(
  session: RecordedSession,
  pause: number,
): { direction: Direction; bytes: Uint8Array; at: number }[] {
  const out: { direction: Direction; bytes: Uint8Array[]; at: number; last: number }[] = [];
  for (const message of session.messages) {
    const previous = out.at(-1);
    const joins = previous !== undefined && previous.direction === message.direction &&
      (message.direction === "down" || message.at - previous.last <= pause);
    if (joins) {
      previous.bytes.push(message.bytes);
      previous.last = message.at;
    } else {
      out.push({
        direction: message.direction,
        bytes: [message.bytes],
        at: message.at,
        last: message.at,
      });
    }
  }
  return out.map((run) => ({
    direction: run.direction,
    bytes: concat(run.bytes) as Uint8Array,
    at: run.at,
  }));
}

/** Text when the bytes are printable UTF-8 (tabs and line ends allowed), else `undefined`. */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  for (const char of text) {
    const code = char.charCodeAt(0);
    if ((code < 0x20 && code !== 9 && code !== 10 && code !== 13) || code === 0x7f) {
      return undefined;
    }
  }
  return text;
}

function sendStep(bytes: Uint8Array, mask: (text: string) => string): Record<string, unknown> {
  const text = asText(bytes);
  return text === undefined ? { send: { hex: spacedHex(bytes) } } : { send: mask(text) };
}

function expectStep(bytes: Uint8Array, mask: (text: string) => string): Record<string, unknown> {
  const text = asText(bytes);
  if (text === undefined) return { expect: { hex: spacedHex(bytes) } };
  if (text.endsWith("\n")) {
    // Line by line: a \r before each \n is dropped, as line matching does.
    const lines = text.slice(0, -1).split("\n").map((line) => mask(line.replace(/\r$/, "")));
    if (!lines.some((line) => line.includes("\r"))) {
      return lines.length === 1 ? { expect: { line: lines[0] } } : { expect: { lines } };
    }
  }
  return { expect: mask(text) };
}

function spacedHex(bytes: Uint8Array): string {
  return encodeHex(bytes).replace(/(..)(?!$)/g, "$1 ");
}

/**
 * Writes sessions as a scenario suite: one scenario per connection.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { writeSuite } from "./record.ts";
 * const yaml = writeSuite([{ connection: 1, messages: [
 *   { direction: "up", bytes: new TextEncoder().encode("PING\r\n"), at: 0 },
 *   { direction: "down", bytes: new TextEncoder().encode("+PONG\r\n"), at: 1 },
 * ] }], { to: "tcp://127.0.0.1:6379", how: "a test" });
 * assertStringIncludes(yaml, "line: +PONG");
 * ```
 *
 * @param sessions The recorded connections.
 * @param options The server, how it was recorded, the pause that splits sends, masking.
 * @returns The YAML text.
 */
export function writeSuite(
  sessions: readonly RecordedSession[],
  options: RecordingOptions,
): string {
  const mask = options.mask ?? ((text: string) => text);
  const pause = options.pause ?? 50;
  // Sessions that overlapped in time are one scenario with a named connection each.
  const groups: RecordedSession[][] = [];
  let groupEnd = -Infinity;
  for (const session of sessions) {
    const times = session.messages.map((message) => message.at);
    if (times.length === 0) continue;
    const start = Math.min(...times);
    const end = Math.max(...times);
    if (groups.length > 0 && start <= groupEnd) groups.at(-1)!.push(session);
    else groups.push([session]);
    groupEnd = Math.max(groupEnd, end);
  }
  const scenarios = groups.map((group) => {
    if (group.length === 1) {
      const session = group[0]!;
      const steps: unknown[] = ["connect"];
      for (const run of runs(session, pause)) {
        steps.push(
          run.direction === "up" ? sendStep(run.bytes, mask) : expectStep(run.bytes, mask),
        );
      }
      if (session.ended === "down") steps.push({ expect: { closed: true } });
      return { name: `session ${session.connection}`, steps };
    }
    const timed = group.flatMap((session) =>
      runs(session, pause).map((run) => ({ ...run, on: `c${session.connection}` }))
    ).sort((a, b) => a.at - b.at);
    const steps: unknown[] = [];
    const opened = new Set<string>();
    for (const run of timed) {
      if (!opened.has(run.on)) {
        opened.add(run.on);
        steps.push({ connect: run.on });
      }
      const step = run.direction === "up" ? sendStep(run.bytes, mask) : expectStep(run.bytes, mask);
      const [action, value] = Object.entries(step)[0]!;
      steps.push({
        [action]: typeof value === "string"
          ? { on: run.on, text: value }
          : { on: run.on, ...(value as Record<string, unknown>) },
      });
    }
    for (const session of group) {
      if (session.ended === "down") {
        steps.push({ expect: { on: `c${session.connection}`, closed: true } });
      }
    }
    return {
      name: `sessions ${group.map((session) => session.connection).join(" and ")}, at once`,
      steps,
    };
  });
  return `# ${options.how}\n` +
    stringify({ name: `recorded from ${options.to}`, target: options.to, scenarios }, {
      lineWidth: -1,
    });
}

/**
 * Writes sessions as a stub file: each thing a client sent, as a rule that
 * answers what the server answered.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { writeStub } from "./record.ts";
 * const yaml = writeStub([{ connection: 1, messages: [
 *   { direction: "up", bytes: new TextEncoder().encode("PING\r\n"), at: 0 },
 *   { direction: "down", bytes: new TextEncoder().encode("+PONG\r\n"), at: 1 },
 * ] }], { to: "tcp://127.0.0.1:6379", how: "a test" });
 * assertStringIncludes(yaml, "rules:");
 * ```
 *
 * @param sessions The recorded connections.
 * @param options The server, how it was recorded, the pause that splits sends, masking.
 * @returns The YAML text.
 */
export function writeStub(
  sessions: readonly RecordedSession[],
  options: RecordingOptions,
): string {
  const mask = options.mask ?? ((text: string) => text);
  const pause = options.pause ?? 50;
  const rules: unknown[] = [];
  const seen = new Set<string>();
  let greeting: unknown[] | undefined;
  for (const session of sessions) {
    const all = runs(session, pause);
    // What the server said before the client spoke is its greeting.
    if (all[0]?.direction === "down") {
      greeting ??= [sendStep(all[0].bytes, mask)];
      all.shift();
    }
    for (let i = 0; i < all.length; i++) {
      const run = all[i]!;
      if (run.direction !== "up") continue;
      const answer = all[i + 1]?.direction === "down" ? all[i + 1]!.bytes : undefined;
      const when = expectStep(run.bytes, mask).expect;
      const key = JSON.stringify(when);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ when, then: answer === undefined ? [] : [sendStep(answer, mask)] });
    }
  }
  const port = /:(\d+)$/.exec(options.to)?.[1] ?? "0";
  return `# ${options.how}\n` +
    stringify({
      name: `stub of ${options.to}`,
      listen: `tcp://127.0.0.1:${port}`,
      ...(greeting === undefined ? {} : { on_connect: greeting }),
      rules,
    }, { lineWidth: -1 });
}
