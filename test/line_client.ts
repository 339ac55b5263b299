/**
 * A client for tests of line protocols, built on the engine's own TCP
 * channel: every wait has a deadline, none sleeps.
 *
 * @module
 */

import { TcpChannel } from "../runner/channels/tcp.ts";
import { expectBytes } from "../runner/match/bytes.ts";
import { expectLines, lineEquals } from "../runner/match/line.ts";
import { expectContains } from "../runner/match/search.ts";
import type { Matcher } from "../runner/match/result.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DEADLINE = 5_000;

/** A TCP client that reads lines and text with a deadline. */
export class LineClient implements AsyncDisposable {
  readonly #channel: TcpChannel;

  private constructor(channel: TcpChannel) {
    this.#channel = channel;
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<LineClient> {
    return new LineClient(
      await TcpChannel.connect("client", { hostname: "127.0.0.1", port }, {
        signal: AbortSignal.timeout(DEADLINE),
      }),
    );
  }

  /** Sends text or bytes. */
  send(data: string | Uint8Array): Promise<void> {
    return this.#channel.send(
      typeof data === "string" ? encoder.encode(data) : data,
      AbortSignal.timeout(DEADLINE),
    );
  }

  async #wait(matcher: Matcher, what: string): Promise<string> {
    const outcome = await this.#channel.buffer.waitFor(matcher, AbortSignal.timeout(DEADLINE));
    if (outcome.status === "matched") return decoder.decode(outcome.bytes);
    const unread = decoder.decode(outcome.unread);
    throw new Error(`Expected ${what}, got ${outcome.status}; unread: ${JSON.stringify(unread)}`);
  }

  /** Waits for exactly this text next. */
  async expectText(text: string): Promise<void> {
    await this.#wait(expectBytes(encoder.encode(text)), JSON.stringify(text));
  }

  /** Waits for these lines next, in order. */
  async expectLines(...lines: string[]): Promise<void> {
    await this.#wait(expectLines(lines.map(lineEquals)), JSON.stringify(lines));
  }

  /** Skips ahead through `text`. */
  async skipThrough(text: string): Promise<void> {
    await this.#wait(expectContains(text), `text containing ${JSON.stringify(text)}`);
  }

  /** Reads the next line, without its line ending. */
  async readLine(): Promise<string> {
    const line = await this.#wait((bytes) => {
      const at = bytes.indexOf(0x0a);
      return at === -1
        ? { status: "incomplete", discard: 0 }
        : { status: "matched", consumed: at + 1, captures: {} };
    }, "a line");
    return line.replace(/\r?\n$/, "");
  }

  /** Waits until the server closes the connection; returns what was left unread. */
  async expectClosed(): Promise<string> {
    const outcome = await this.#channel.buffer.waitFor(
      (_bytes, ended) =>
        ended
          ? { status: "matched", consumed: 0, captures: {} }
          : { status: "incomplete", discard: 0 },
      AbortSignal.timeout(DEADLINE),
    );
    if (outcome.status !== "matched") {
      throw new Error(`Expected the server to close, got ${outcome.status}`);
    }
    return decoder.decode(this.#channel.buffer.unread);
  }

  /** Whether nothing arrives within `ms` milliseconds. */
  async isSilentFor(ms: number): Promise<boolean> {
    return !(await this.#channel.buffer.waitForActivity(AbortSignal.timeout(ms)));
  }

  /** Shuts down sending; the server reads end-of-file. */
  closeWrite(): Promise<void> {
    return this.#channel.closeWrite();
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#channel.close();
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
