/**
 * Stub servers: a server described by rules instead of a script. A stub
 * file says where it listens, what it sends when a client connects, and,
 * for each message a client sends, which rule answers: `when` is any
 * expectation form (captures become variables), `then` is `send`, `sleep`,
 * `close` and `set` steps. Rules may carry `state`/`next_state`, `times` and
 * `delay`. Every connection and message is kept in a journal, with the rule
 * that answered it.
 *
 * A stub file is validated as a suite would be: each rule is checked as an
 * `expect` step followed by its `then` steps, at their own lines.
 *
 * @module
 */

import { aborted } from "./channels/channel.ts";
import { TcpListenerChannel } from "./channels/listener.ts";
import type { TcpChannel } from "./channels/tcp.ts";
import { Deadline } from "./deadline.ts";
import { Notifier } from "./notifier.ts";
import { InvalidSuiteError, type ValidationIssue } from "./errors.ts";
import { expectFrame, frameMessage, unframe } from "./framing.ts";
import { parseAddress } from "./address.ts";
import { formatProblem, type Problem } from "./decode/problems.ts";
import { fill, payloadBytes } from "./steps/context.ts";
import { compileExpectation } from "./steps/expect.ts";
import type { Expectation, Framing, Step } from "./suite.ts";
import { readSuiteFile, readSuiteFileSync } from "./suite_file.ts";
import { dirname } from "@std/path/posix/dirname";
import { resolve } from "@std/path/posix/resolve";
import { validateSuite } from "./validate.ts";
import { parseYaml, type YamlDocument, YamlSyntaxError } from "./yaml.ts";
import { type Captures, INCOMPLETE, matched, type MatchResult } from "./match/result.ts";

/** What a rule does, in order. */
export type StubAction =
  | { readonly kind: "send"; readonly step: Step & { action: "send" } }
  | { readonly kind: "sleep"; readonly ms: number }
  | { readonly kind: "close"; readonly how: "full" | "half" }
  | { readonly kind: "set"; readonly values: Readonly<Record<string, string>> };

/** One rule: when a message matches, what the stub does. */
export interface StubRule {
  /** The expectation a client's message must meet. */
  readonly when: Expectation;
  /** What the stub does then. */
  readonly then: readonly StubAction[];
  /** The state it applies in, when any. */
  readonly state: string | undefined;
  /** The state after it, when it changes. */
  readonly nextState: string | undefined;
  /** How many times it may answer; unlimited when absent. */
  readonly times: number | undefined;
  /** How long it waits before it acts, in milliseconds. */
  readonly delay: number;
}

/** A validated stub file. */
export interface StubSpec {
  /** Its name. */
  readonly name: string;
  /** Where it listens, as written: `tcp://host:port`, `udp://…`, `unix:///path`. */
  readonly listen: string;
  /** Its connections' framing, when any. */
  readonly framing: Framing | undefined;
  /** With `listen: "tls://…"`: its certificate and key, PEM text. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** What it does when a client connects. */
  readonly onConnect: readonly StubAction[];
  /** Its rules, in order: the first that matches answers. */
  readonly rules: readonly StubRule[];
}

const STUB_KEYS = ["name", "listen", "tls", "framing", "on_connect", "rules"];
const RULE_KEYS = ["when", "then", "state", "next_state", "times", "delay"];

/**
 * Parses and validates a stub file's text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseStub } from "./stub.ts";
 * const stub = parseStub('name: s\nlisten: "tcp://127.0.0.1:0"\nrules:\n  - when: { line: PING }\n    then: [{ send: "PONG\\n" }]\n');
 * assertEquals(stub.rules.length, 1);
 * ```
 *
 * @param text The YAML.
 * @param given `file`, for messages and the folder of a TLS stub's PEM files; `readFile`.
 * @returns The stub.
 * @throws {InvalidSuiteError} With every problem, at its line.
 */
export function parseStub(
  text: string,
  given: { file?: string; readFile?: (path: string) => string } = {},
): StubSpec {
  const file = given.file ?? "<stub>";
  const options = { readFile: given.readFile ?? readSuiteFileSync };
  let doc: YamlDocument;
  try {
    doc = parseYaml(text);
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    throw new InvalidSuiteError(file, [
      issue(file, error.line, { code: "yaml-syntax", details: { message: error.message } }),
    ], { cause: error });
  }
  const root = doc.value;
  const problems: ValidationIssue[] = [];
  const at = (container: unknown, key: string | number): number | undefined =>
    doc.lineOf(container, key);
  if (!isRecord(root)) {
    throw new InvalidSuiteError(file, [issue(file, undefined, {
      code: "wrong-type",
      details: {
        what: "a stub",
        expected: `a mapping with "listen" and "rules"`,
        got: typeof root,
      },
    })]);
  }
  for (const key of Object.keys(root)) {
    if (!STUB_KEYS.includes(key)) {
      problems.push(issue(file, at(root, key), {
        code: "unknown-key",
        details: { key, in: "a stub", allowed: STUB_KEYS },
      }));
    }
  }
  const listen = typeof root.listen === "string" ? root.listen : undefined;
  if (listen === undefined) {
    problems.push(issue(file, at(root, "listen"), {
      code: "missing-key",
      details: {
        key: "listen",
        in: "A stub",
        purpose: `where it listens, like "tcp://127.0.0.1:2525"`,
      },
    }));
  }
  const rules = Array.isArray(root.rules) ? root.rules : [];
  if (!Array.isArray(root.rules) || root.rules.length === 0) {
    problems.push(issue(file, at(root, "rules"), {
      code: "wrong-type",
      details: {
        what: `"rules"`,
        expected: "a non-empty list of { when, then }",
        got: describeValue(root.rules),
      },
    }));
  }
  // The same checks as a suite's steps: a rule is an expect step and its then steps.
  const scheme = listen?.match(/^(\w+):/)?.[1];
  const target = scheme === "udp" ? "udp://127.0.0.1:1" : "tcp://127.0.0.1:1";
  const connect = {
    connect: root.framing === undefined ? {} : { framing: root.framing },
  };
  const scenarios: Record<string, unknown>[] = [{
    name: "on_connect",
    steps: [connect, ...(Array.isArray(root.on_connect) ? root.on_connect : [])],
  }];
  rules.forEach((rule: unknown, index: number) => {
    if (!isRecord(rule) || rule.when === undefined || !Array.isArray(rule.then)) {
      problems.push(issue(file, at(rules, index), {
        code: "wrong-type",
        details: {
          what: "a rule",
          expected: 'a mapping with "when" and a list "then"',
          got: describeValue(rule),
        },
      }));
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.includes(key)) {
        problems.push(issue(file, at(rule, key), {
          code: "unknown-key",
          details: { key, in: "a rule", allowed: RULE_KEYS },
        }));
      }
    }
    scenarios.push({
      name: `rule ${index + 1}`,
      steps: [connect, { expect: rule.when }, ...rule.then],
    });
  });
  let suite;
  try {
    suite = validateSuite(
      {
        value: { name: root.name ?? "stub", target, scenarios },
        text: doc.text,
        lineOf: (container, key) => doc.lineOf(container, key),
        columnOf: (container, key) => doc.columnOf(container, key),
      },
      { file },
    );
  } catch (error) {
    if (!(error instanceof InvalidSuiteError)) throw error;
    problems.push(...error.issues.map((each) => ({ ...each, scenario: undefined })));
  }
  if (problems.length > 0 || suite === undefined) {
    throw new InvalidSuiteError(file, problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  const actions = (steps: readonly Step[], line: number | undefined): StubAction[] =>
    steps.map((step) => {
      switch (step.action) {
        case "send":
          return { kind: "send", step };
        case "sleep":
          return { kind: "sleep", ms: step.duration };
        case "close":
          return { kind: "close", how: step.how };
        case "set":
          return { kind: "set", values: step.variables };
        default:
          problems.push(issue(file, step.line ?? line, {
            code: "does-not-apply",
            details: {
              what: `"${step.action}"`,
              applies: "suites",
              why: `a stub's rules take "send", "sleep", "close" and "set"`,
            },
          }));
          return { kind: "sleep", ms: 0 };
      }
    });
  const [first, ...rest] = suite.scenarios;
  const onConnect = actions(first!.steps.slice(1), at(root, "on_connect"));
  const stubRules = rest.map((scenario, index): StubRule => {
    const raw = rules[index] as Record<string, unknown>;
    const [, when, ...then] = scenario.steps;
    const times = raw.times;
    if (
      times !== undefined && !(typeof times === "number" && Number.isInteger(times) && times > 0)
    ) {
      problems.push(issue(file, at(raw, "times"), {
        code: "wrong-type",
        details: {
          what: `"times"`,
          expected: "a whole number of 1 or more",
          got: describeValue(times),
        },
      }));
    }
    const delay = raw.delay === undefined ? 0 : parseMs(raw.delay);
    if (delay === undefined) {
      problems.push(issue(file, at(raw, "delay"), {
        code: "invalid-duration",
        details: { what: `"delay"`, value: String(raw.delay) },
      }));
    }
    return {
      when: (when as Step & { action: "expect" }).expectation,
      then: actions(then, at(rules, index)),
      state: typeof raw.state === "string" ? raw.state : undefined,
      nextState: typeof raw.next_state === "string" ? raw.next_state : undefined,
      times: typeof times === "number" ? times : undefined,
      delay: delay ?? 0,
    };
  });
  // A TLS stub presents a certificate: PEM text or files beside the stub.
  let tls: { cert: string; key: string } | undefined;
  if (scheme === "tls") {
    const given = isRecord(root.tls) ? root.tls : {};
    const pem = (key: "cert" | "key"): string | undefined => {
      const value = given[key];
      if (typeof value !== "string") {
        problems.push(issue(file, at(root, "tls") ?? at(root, "listen"), {
          code: "missing-key",
          details: {
            key,
            in: `"tls" of a TLS stub`,
            purpose: "its certificate and key, PEM text or files",
          },
        }));
        return undefined;
      }
      if (value.includes("-----BEGIN ")) return value;
      try {
        return options.readFile(resolve(dirname(file), value));
      } catch (error) {
        problems.push(issue(file, at(given, key), {
          code: "file-unreadable",
          details: { message: (error as Error).message },
        }));
        return undefined;
      }
    };
    const cert = pem("cert");
    const key = pem("key");
    if (cert !== undefined && key !== undefined) tls = { cert, key };
  } else if (root.tls !== undefined) {
    problems.push(issue(file, at(root, "tls"), {
      code: "requires-key",
      details: { key: "tls", requires: [`listen: "tls://…"`] },
    }));
  }
  if (problems.length > 0) throw new InvalidSuiteError(file, problems);
  const framing = (first!.steps[0] as Step & { action: "connect" }).framing;
  return {
    name: suite.name,
    listen: listen!,
    framing,
    ...(tls === undefined ? {} : { tls }),
    onConnect,
    rules: stubRules,
  };
}

/**
 * Reads and validates a stub file.
 *
 * @example
 * ```ts ignore
 * import { loadStub } from "./stub.ts";
 * const stub = await loadStub("examples/stubs/echo.yaml");
 * ```
 *
 * @param path The file.
 * @returns The stub.
 * @throws {InvalidSuiteError} With every problem, at its line.
 */
export async function loadStub(path: string): Promise<StubSpec> {
  return parseStub(await readSuiteFile(path), { file: path });
}

function issue(
  file: string,
  line: number | undefined,
  problem: { code: string; details: Record<string, unknown> },
): ValidationIssue {
  return {
    file,
    line,
    scenario: undefined,
    step: undefined,
    message: formatProblem(problem as Problem),
    code: problem.code,
    details: problem.details,
  } as ValidationIssue;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  return value === undefined ? "nothing" : Array.isArray(value) ? "a list" : typeof value;
}

function parseMs(value: unknown): number | undefined {
  if (typeof value === "number" && value >= 0) return value;
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value.trim()) : null;
  return match === null ? undefined : Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

/** One thing the stub saw. */
export interface JournalEntry {
  /** Milliseconds since the stub started. */
  readonly at: number;
  /** The connection's number (UDP: the sender's number), from 1. */
  readonly connection: number;
  /** `connected`, `received`, or `closed`. */
  readonly kind: "connected" | "received" | "closed";
  /** What arrived, for `received`. */
  readonly bytes?: Uint8Array;
  /** The rule that answered it (from 1), or `undefined` when none did. */
  readonly rule?: number;
}

/** Options for {@linkcode startStub}. */
export interface StubOptions {
  /**
   * Listen here instead of the file's port (0: a free one).
   *
   * @default {the file's port}
   */
  port?: number;
  /**
   * Environment variables for `${env.NAME}`.
   *
   * @default {Deno.env.get}
   */
  env?: (name: string) => string | undefined;
  /**
   * Called with each journal entry as it is made (`deno task mock` prints them).
   *
   * @default {undefined}
   */
  onEntry?: (entry: JournalEntry) => void;
  /**
   * The most TCP connections served at once; more are closed as they come.
   *
   * @default {1024}
   */
  maxConnections?: number;
}

/** A running stub. */
export interface StubServer extends AsyncDisposable {
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on (0 on a Unix socket). */
  readonly port: number;
  /** `tcp`, `udp` or `unix`. */
  readonly transport: "tcp" | "udp" | "unix";
  /** Whether it speaks TLS. */
  readonly tls: boolean;
  /** Every connection and message, with the rule that answered. */
  readonly journal: readonly JournalEntry[];
  /**
   * Waits for the next journal entry, or until `signal` aborts.
   *
   * @param signal Ends the wait.
   */
  nextEntry(signal: AbortSignal): Promise<void>;
  /** Stops it and closes every connection; safe twice. */
  close(): Promise<void>;
}

/** Where a match carries the number of the rule that made it (no variable can be named so). */
const RULE = "\u0000rule";

/** The most TCP connections a stub serves at once. */
const MAX_CONNECTIONS = 1024;

/** The most journal entries kept. */
const MAX_JOURNAL = 10_000;

/**
 * Starts a stub server.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseStub, startStub } from "./stub.ts";
 * const stub = parseStub('listen: "tcp://127.0.0.1:0"\nrules:\n  - when: { line: PING }\n    then: [{ send: "PONG\\n" }]\n');
 * await using server = startStub(stub);
 * using conn = await Deno.connect({ port: server.port });
 * await conn.write(new TextEncoder().encode("PING\n"));
 * const reply = new Uint8Array(5);
 * let got = 0;
 * while (got < 5) got += (await conn.read(reply.subarray(got))) ?? 5;
 * assertEquals(new TextDecoder().decode(reply), "PONG\n");
 * ```
 *
 * @param stub The stub.
 * @param options Its port, the environment.
 * @returns The running stub.
 */
export function startStub(stub: StubSpec, options: StubOptions = {}): StubServer {
  const address = parseAddress(stub.listen.replace(/:0$/, ":1"));
  const port = options.port ?? (/:0$/.test(stub.listen) ? 0 : address.port);
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const stopping = new AbortController();
  const journal: JournalEntry[] = [];
  const started = performance.now();
  const changed = new Notifier();
  const note = (entry: Omit<JournalEntry, "at">): void => {
    const made = { at: performance.now() - started, ...entry };
    if (journal.length < MAX_JOURNAL) journal.push(made);
    changed.notify();
    options.onEntry?.(made);
  };
  const tasks = new Set<Promise<void>>();
  const track = (task: Promise<void>): void => {
    const tracked = task.catch(() => {}).finally(() => tasks.delete(tracked));
    tasks.add(tracked);
  };
  const uses = stub.rules.map(() => 0);
  const wait = async (ms: number): Promise<boolean> => {
    if (ms <= 0) return true;
    using deadline = new Deadline(ms, [stopping.signal]);
    await aborted(deadline.signal);
    return !stopping.signal.aborted;
  };
  /** The rules that may answer now, with their numbers. */
  const applicable = (state: string | undefined): [StubRule, number][] =>
    stub.rules.flatMap((rule, index): [StubRule, number][] =>
      (rule.state === undefined || rule.state === state) &&
        (rule.times === undefined || uses[index]! < rule.times)
        ? [[rule, index]]
        : []
    );
  /** Runs a rule's actions; `false` when it closed the connection. */
  const act = async (
    actions: readonly StubAction[],
    scope: { variables: Record<string, string>; env: typeof env },
    send: (bytes: Uint8Array) => Promise<void>,
    close: (how: "full" | "half") => Promise<void>,
  ): Promise<boolean> => {
    for (const action of actions) {
      switch (action.kind) {
        case "send": {
          const bytes = payloadBytes(scope, action.step.payload);
          await send(stub.framing === undefined ? bytes : frameMessage(stub.framing, bytes));
          break;
        }
        case "sleep":
          if (!(await wait(action.ms))) return false;
          break;
        case "set":
          for (const [name, value] of Object.entries(action.values)) {
            scope.variables[name] = fill(scope, value);
          }
          break;
        case "close":
          await close(action.how);
          if (action.how === "full") return false;
          break;
      }
    }
    return true;
  };
  /** A connection's (or a UDP sender's) state and variables. */
  type Peer = { number: number; state: string | undefined; variables: Record<string, string> };
  /**
   * The rules that may answer a peer now, as one expectation: the first that
   * matches wins (as `expect: { any }`), its number among them in `RULE`.
   */
  const rulesFor = (peer: Peer): {
    compiled: ReturnType<typeof compileExpectation>;
    pick: (result: MatchResult) => { rule: number; captures: Captures } | undefined;
  } => {
    const candidates = applicable(peer.state);
    const compiled = compileExpectation({ variables: peer.variables, env }, {
      kind: "any",
      alternatives: candidates.map(([rule]) => rule.when),
      as: RULE,
    });
    const pick = (result: MatchResult): { rule: number; captures: Captures } | undefined => {
      if (result.status !== "matched") return undefined;
      const { [RULE]: index, ...captures } = result.captures;
      // Bytes passed over because no rule could match carry no rule.
      return index === undefined ? undefined : { rule: candidates[Number(index)]![1], captures };
    };
    return { compiled, pick };
  };
  /**
   * Journals a message and answers it with its rule, if one matched;
   * `false` when the rule closed the connection or the stub stopped.
   */
  const answer = async (
    peer: Peer,
    message: Uint8Array,
    choice: { rule: number; captures: Captures } | undefined,
    io: {
      send: (bytes: Uint8Array) => Promise<void>;
      close: (how: "full" | "half") => Promise<void>;
    },
  ): Promise<boolean> => {
    note({
      connection: peer.number,
      kind: "received",
      bytes: message,
      ...(choice === undefined ? {} : { rule: choice.rule + 1 }),
    });
    if (choice === undefined) return true;
    uses[choice.rule]!++;
    const rule = stub.rules[choice.rule]!;
    Object.assign(peer.variables, choice.captures);
    if (rule.nextState !== undefined) peer.state = rule.nextState;
    if (!(await wait(rule.delay))) return false;
    return await act(rule.then, { variables: peer.variables, env }, io.send, io.close);
  };

  function closer(release: () => void | Promise<void>): () => Promise<void> {
    let closing: Promise<void> | undefined;
    return () => {
      closing ??= (async () => {
        stopping.abort();
        try {
          await release();
        } catch {
          // Closed already.
        }
        await Promise.all([...tasks]);
      })();
      return closing;
    };
  }

  if (address.transport === "udp") {
    const socket = Deno.listenDatagram({ hostname: address.hostname, port, transport: "udp" });
    const peers = new Map<
      string,
      { number: number; state: string | undefined; variables: Record<string, string> }
    >();
    track((async () => {
      while (!stopping.signal.aborted) {
        let datagram: Uint8Array;
        let from: Deno.Addr;
        try {
          [datagram, from] = await socket.receive();
        } catch {
          return;
        }
        const sender = from as Deno.NetAddr;
        const key = `${sender.hostname}:${sender.port}`;
        let peer = peers.get(key);
        if (peer === undefined) {
          peer = { number: peers.size + 1, state: undefined, variables: {} };
          if (peers.size < 1024) peers.set(key, peer);
        }
        const { compiled, pick } = rulesFor(peer);
        await answer(peer, datagram, pick(compiled.datagram(datagram)), {
          send: (bytes) => socket.send(bytes, sender).then(() => {}),
          close: () => Promise.resolve(),
        }).catch(() => {});
      }
    })());
    const close = closer(() => socket.close());
    return {
      hostname: address.hostname,
      port: (socket.addr as Deno.NetAddr).port,
      transport: "udp",
      tls: false,
      journal,
      nextEntry: (signal: AbortSignal) => changed.wait(signal),
      close,
      [Symbol.asyncDispose]: close,
    };
  }

  const framed = stub.framing === undefined ? {} : { framing: stub.framing };
  const listener = address.path !== undefined
    ? TcpListenerChannel.listenUnix("stub", address.path, framed)
    : TcpListenerChannel.listen("stub", port, {
      ...framed,
      ...(stub.tls === undefined ? {} : { tls: stub.tls }),
    });
  let connections = 0;
  let serving = 0;
  const serve = async (channel: TcpChannel, number: number): Promise<void> => {
    note({ connection: number, kind: "connected" });
    const peer: Peer = { number, state: undefined, variables: {} };
    const io = {
      send: (bytes: Uint8Array): Promise<void> => channel.send(bytes, stopping.signal),
      close: async (how: "full" | "half"): Promise<void> => {
        if (how === "half") await channel.closeWrite();
        else await channel.close();
      },
    };
    try {
      if (!(await act(stub.onConnect, { variables: peer.variables, env }, io.send, io.close))) {
        return;
      }
      while (!stopping.signal.aborted) {
        const { compiled, pick } = rulesFor(peer);
        let message: Uint8Array;
        let choice: { rule: number; captures: Captures } | undefined;
        if (stub.framing !== undefined) {
          const outcome = await channel.buffer.waitFor(
            expectFrame(stub.framing, 1 << 20),
            stopping.signal,
          );
          if (outcome.status !== "matched") return;
          message = unframe(stub.framing, outcome.bytes);
          choice = pick(compiled.datagram(message));
        } else {
          const outcome = await channel.buffer.waitFor((bytes, ended) => {
            const result = compiled.matcher(bytes, ended);
            if (result.status === "matched") return result;
            if (result.status === "incomplete" && !(ended && bytes.length > 0)) return result;
            // No rule can match: pass over one line (or all that came).
            const newline = bytes.indexOf(10);
            const unmatched = newline >= 0 ? newline + 1 : bytes.length;
            return unmatched === 0 ? INCOMPLETE : matched(unmatched);
          }, stopping.signal);
          if (outcome.status !== "matched") return;
          message = outcome.bytes;
          choice = pick({
            status: "matched",
            consumed: message.length,
            captures: outcome.captures,
          });
        }
        if (!(await answer(peer, message, choice, io))) return;
      }
    } catch {
      // A client that reset or left: the stub serves the others.
    } finally {
      note({ connection: number, kind: "closed" });
      await channel.close();
    }
  };
  track((async () => {
    while (!stopping.signal.aborted) {
      const channel = await listener.accept(`client ${connections + 1}`, stopping.signal).catch(
        () => undefined,
      );
      if (channel === undefined) {
        if (stopping.signal.aborted) return;
        continue;
      }
      connections++;
      if (serving >= (options.maxConnections ?? MAX_CONNECTIONS)) {
        // Bounded: a flood of clients is turned away, not served.
        note({ connection: connections, kind: "closed" });
        await channel.close();
        continue;
      }
      serving++;
      track(serve(channel, connections).finally(() => serving--));
    }
  })());

  const close = closer(() => listener.close());
  return {
    hostname: address.path ?? address.hostname,
    port: listener.port,
    transport: address.path === undefined ? "tcp" : "unix",
    tls: stub.tls !== undefined,
    journal,
    nextEntry: (signal: AbortSignal) => changed.wait(signal),
    close,
    [Symbol.asyncDispose]: close,
  };
}
