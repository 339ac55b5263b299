/**
 * The chat server: the classic tutorial chat protocol, made exact.
 *
 * 1. On connect: `Enter your username: ` (no newline).
 * 2. The first line, trimmed, is the username; empty becomes `User_<port>`.
 *    A name in use, over 32 characters, with a control, format or invisible
 *    character (zero-width, bidi marks), a comma (`/users` lists names with
 *    commas) or a leading `[` gets `[SERVER] Username refused` and the
 *    prompt again.
 * 3. Every joined user, the newcomer included, gets
 *    `[SERVER] <name> joined the chat!`; then the newcomer gets
 *    `[SERVER] Welcome to the chat!`.
 * 4. `/users`: `[SERVER] Online users: <names in join order>` to the sender.
 * 5. `/quit` or a disconnect: the others get `[SERVER] <name> left the chat`.
 * 6. Any other non-empty line, trimmed, goes to everyone else as
 *    `[<name>] <message>`.
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import { Notifier } from "../runner/notifier.ts";
import { listen, type ReferenceServer, type ServerOptions, writeAll } from "./_listen.ts";

export type { ReferenceServer, ServerOptions };

/** The prompt sent on connect and after a refused name. */
export const PROMPT = "Enter your username: ";
/** The longest line the server reads, in bytes. */
export const MAX_LINE_BYTES = 4096;
/** The longest username, in characters. */
export const MAX_NAME_LENGTH = 32;
/** Queued bytes above which a sender waits for that reader to catch up. */
export const HIGH_WATER_BYTES = 64 * 1024;
/** How many bytes may wait for a reader at most; more disconnects it. */
export const MAX_QUEUED_BYTES = 1024 * 1024;
/** How long a sender waits for a reader above the high-water mark before that reader is disconnected. */
export const SLOW_READER_TIMEOUT_MS = 2_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The most bytes one write to a client carries. */
const WRITE_BYTES = 64 * 1024;

/** Numbers for clients without a port (a Unix socket's). */
let unixClients = 0;

/** A client's number for its default name: its port, or a count on a Unix socket. */
function clientNumber(conn: Deno.Conn): number {
  const remote = conn.remoteAddr;
  return remote.transport === "tcp" ? remote.port : ++unixClients;
}

/** A connected client and the bytes queued for it. */
class ChatClient {
  name: string | undefined;
  readonly conn: Deno.Conn;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #flushing: Promise<void> | undefined;
  #dropped = false;
  readonly #progress = new Notifier();

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /**
   * Queues bytes (shared, never changed: a broadcast encodes its text once
   * for every reader); a reader that falls too far behind is disconnected.
   */
  send(message: string | Uint8Array): void {
    if (this.#dropped) return;
    const bytes = typeof message === "string" ? encoder.encode(message) : message;
    if (this.#queued + bytes.length > MAX_QUEUED_BYTES) {
      this.drop();
      return;
    }
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    this.#flushing ??= this.#flush();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Many small messages go out in one write of up to 64 KiB.
        let count = 0;
        let size = 0;
        while (count < this.#queue.length && (count === 0 || size < WRITE_BYTES)) {
          size += this.#queue[count++]!.length;
        }
        const batch = this.#queue.splice(0, count);
        await writeAll(this.conn, batch.length === 1 ? batch[0]! : concat(batch) as Uint8Array);
        this.#queued -= size;
        this.#progress.notify();
      }
    } catch {
      this.drop();
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Bytes waiting to be written to this client. */
  get queued(): number {
    return this.#dropped ? 0 : this.#queued;
  }

  /**
   * Waits until fewer than `limit` bytes are queued; `false` when `signal`
   * aborted first.
   */
  async waitBelow(limit: number, signal: AbortSignal): Promise<boolean> {
    while (this.queued >= limit) {
      if (signal.aborted) return false;
      await this.#progress.wait(signal);
    }
    return true;
  }

  /** Waits for what is queued to be written. */
  async drain(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  /** Disconnects the client; its read loop then ends. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#queue = [];
    this.#progress.notify();
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Splits a byte stream into lines, refusing lines over the limit. */
async function* readLines(conn: Deno.Conn): AsyncGenerator<string | "too long"> {
  // Small: thousands of idle clients each hold one.
  const chunk = new Uint8Array(MAX_LINE_BYTES);
  let pending = new Uint8Array(0);
  let skipping = false;
  while (true) {
    const count = await conn.read(chunk);
    if (count === null) return;
    let data = pending.length === 0
      ? chunk.subarray(0, count)
      : concat([pending, chunk.subarray(0, count)]) as Uint8Array;
    let newline: number;
    while ((newline = data.indexOf(0x0a)) !== -1) {
      if (skipping) {
        skipping = false;
      } else if (newline > MAX_LINE_BYTES) {
        yield "too long";
      } else {
        yield decoder.decode(data.subarray(0, newline));
      }
      data = data.subarray(newline + 1);
    }
    if (data.length > MAX_LINE_BYTES && !skipping) {
      skipping = true;
      yield "too long";
    }
    pending = skipping ? new Uint8Array(0) : data.slice();
  }
}

/**
 * Characters a name may not hold: controls (Cc), format characters (Cf:
 * zero-width spaces and joiners, bidi marks and overrides), line and
 * paragraph separators, private use, unassigned, and every other code point
 * Unicode says to render invisibly (Hangul fillers, variation selectors).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]/u;

/**
 * Why a username is refused, or `undefined` when it may join.
 *
 * @param name The trimmed name.
 * @param taken Whether another user has it.
 */
function refusal(name: string, taken: boolean): string | undefined {
  if (taken) return "in use";
  if ([...name].length > MAX_NAME_LENGTH) return "too long";
  if (INVISIBLE.test(name)) return "control, format or invisible character";
  if (name.includes(",")) return "comma";
  if (name.startsWith("[")) return "leading [";
  return undefined;
}

/**
 * Starts the chat server (TCP only).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { startChatServer } from "./chat.ts";
 * await using server = startChatServer({ port: 0 });
 * assert(server.port > 0);
 * ```
 *
 * @param options Where to listen.
 * @returns The running server.
 */
export function startChatServer(options: ServerOptions = {}): ReferenceServer {
  const users = new Map<string, ChatClient>();

  function broadcast(text: string, except?: ChatClient): void {
    const bytes = encoder.encode(text);
    for (const user of users.values()) if (user !== except) user.send(bytes);
  }

  /**
   * Back-pressure: a sender waits while a reader is far behind, so a fast
   * sender cannot flood the others; a reader that stays behind is dropped.
   */
  async function waitForReaders(): Promise<void> {
    for (const user of [...users.values()]) {
      if (user.queued < HIGH_WATER_BYTES) continue;
      if (!(await user.waitBelow(HIGH_WATER_BYTES, AbortSignal.timeout(SLOW_READER_TIMEOUT_MS)))) {
        user.drop();
      }
    }
  }

  return listen("chat", {
    async tcp(conn): Promise<void> {
      const client = new ChatClient(conn);
      client.send(PROMPT);
      try {
        for await (const raw of readLines(conn)) {
          if (raw === "too long") {
            client.send(`[SERVER] Line too long (max ${MAX_LINE_BYTES} bytes)\n`);
            if (client.name === undefined) client.send(PROMPT);
            continue;
          }
          const line = raw.trim();
          if (client.name === undefined) {
            const name = line === "" ? `User_${clientNumber(conn)}` : line;
            if (refusal(name, users.has(name)) !== undefined) {
              client.send("[SERVER] Username refused\n");
              client.send(PROMPT);
              continue;
            }
            client.name = name;
            users.set(name, client);
            broadcast(`[SERVER] ${name} joined the chat!\n`);
            client.send("[SERVER] Welcome to the chat!\n");
          } else if (line === "/quit") {
            break;
          } else if (line === "/users") {
            client.send(`[SERVER] Online users: ${[...users.keys()].join(", ")}\n`);
          } else if (line !== "") {
            broadcast(`[${client.name}] ${line}\n`, client);
            await waitForReaders();
          }
        }
      } finally {
        if (client.name !== undefined && users.get(client.name) === client) {
          users.delete(client.name);
          broadcast(`[SERVER] ${client.name} left the chat\n`);
        }
        await client.drain();
        client.drop();
      }
    },
  }, options);
}
