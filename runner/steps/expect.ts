/**
 * `expect`: wait for bytes that match, on a TCP stream or a UDP datagram.
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import { aborted, type Channel, untilAborted } from "../channels/channel.ts";
import { ProcessChannel } from "../channels/process.ts";
import { Deadline } from "../deadline.ts";
import { describeExit } from "../process.ts";
import type { ReceiveBuffer } from "../receive_buffer.ts";
import { TcpChannel } from "../channels/tcp.ts";
import { watchClients } from "./_clients_gone.ts";
import { UdpChannel } from "../channels/udp.ts";
import { StubJournalChannel } from "../channels/journal.ts";
import { formatDuration } from "../duration.ts";
import { describePattern, expectBytes, expectClosed, expectPattern } from "../match/bytes.ts";
import { expectFields } from "../fields.ts";
import { describeFraming, expectFrame, unframe } from "../framing.ts";
import { matchDatagram, testDatagram } from "../match/datagram.ts";
import {
  expectLines,
  expectUnordered,
  lineContains,
  lineEquals,
  lineJson,
  lineRegex,
  type LineTest,
} from "../match/line.ts";
import { compileRegex } from "../match/regex.ts";
import {
  guardRegex,
  type RegexLike,
  RegexTimeoutError,
  settleMatch,
} from "../match/regex_guard.ts";
import {
  type Incomplete,
  type Matched,
  matched,
  type Matcher,
  type MatchResult,
  type Mismatch,
  mismatch,
} from "../match/result.ts";
import { expectContains, expectRegex } from "../match/search.ts";
import type { StepFailure } from "../result.ts";
import type { Expectation, LineMatch } from "../suite.ts";
import { escapeBytes } from "../escape.ts";
import {
  channelNamed,
  fill,
  fillFields,
  type FillScope,
  payloadBytes,
  type StepContext,
  StepFailedError,
  waitTimedOut,
} from "./context.ts";
import {
  type ActionInput,
  type DecodeKit,
  describe,
  type Place,
  type ScenarioState,
  UNSCALED,
} from "../decode/kit.ts";
import { groupNames } from "../match/regex.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import {
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
  TEXT,
} from "../decode/schema_types.ts";

/** `expect`: wait for bytes that match. */
export interface ExpectStep extends StepBase {
  /** The action. */
  readonly action: "expect";
  /** The connection's name. */
  readonly on: string;
  /** For a process: which output to read. */
  readonly stream: "stdout" | "stderr";
  /** What must arrive. */
  readonly expectation: Expectation;
}

/** The byte stream an expect reads: a TCP connection, or a process's stdout or stderr. */
function streamOf(channel: Channel, stream: "stdout" | "stderr"): ReceiveBuffer | undefined {
  if (channel instanceof TcpChannel) return channel.buffer;
  if (channel instanceof ProcessChannel) return channel.output(stream);
  return undefined;
}

/** An expectation made concrete for this run. */
export interface CompiledExpectation {
  /** For people: what was expected. */
  readonly description: string;
  /** The exact bytes, for byte expectations. */
  readonly bytes?: Uint8Array;
  /** Decides on stream bytes. */
  readonly matcher: Matcher;
  /** Decides on one datagram. */
  readonly datagram: (datagram: Uint8Array) => MatchResult;
}

/** Fills in every string inside a JSON value. */
function fillJson(context: FillScope, value: unknown): unknown {
  if (typeof value === "string") return fill(context, value);
  if (Array.isArray(value)) return value.map((item) => fillJson(context, item));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fillJson(context, item)]),
    );
  }
  return value;
}

function regex(context: FillScope, pattern: string): RegexLike {
  try {
    return guardRegex(compileRegex(fill(context, pattern, true)));
  } catch (error) {
    if (error instanceof StepFailedError) throw error;
    throw new StepFailedError({ reason: "error", message: (error as Error).message });
  }
}

function lineTest(context: FillScope, line: LineMatch): LineTest {
  switch (line.kind) {
    case "equals":
      return lineEquals(fill(context, line.text));
    case "contains":
      return lineContains(fill(context, line.text));
    case "regex":
      return lineRegex(regex(context, line.pattern));
    case "json":
      return lineJson(fillJson(context, line.value));
  }
}

/**
 * Compiles an expectation with its variables filled in: a stream matcher,
 * and how it applies to one whole message (a datagram or a frame).
 *
 * @param context The variables and environment.
 * @param expectation The expectation as validated.
 * @returns Its description and matchers.
 */
export function compileExpectation(
  context: FillScope,
  expectation: Expectation,
): CompiledExpectation {
  switch (expectation.kind) {
    case "bytes": {
      const payload = expectation.payload;
      if (payload.encoding === "hex" && payload.value.includes("??")) {
        const [field] = fillFields(context, [{ kind: "hex", value: payload.value }]);
        if (field?.kind !== "pattern") throw new TypeError("Hex fills in as a pattern");
        const matcher = expectPattern(field.pattern);
        return {
          description: `hex ${describePattern(field.pattern)}`,
          matcher,
          datagram: (datagram) => matchDatagram(matcher, datagram),
        };
      }
      const bytes = payloadBytes(context, payload);
      const matcher = expectBytes(bytes);
      return {
        description: `"${escapeBytes(bytes)}"`,
        bytes,
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram),
      };
    }
    case "fields": {
      const matcher = expectFields(fillFields(context, expectation.fields));
      const count = expectation.fields.length;
      return {
        description: `${count} field${count === 1 ? "" : "s"}`,
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram),
      };
    }
    case "line":
    case "json": {
      const test = expectation.kind === "line"
        ? lineTest(context, expectation.line)
        : lineJson(fillJson(context, expectation.value));
      return {
        description: `line ${test.description}`,
        matcher: expectLines([test]),
        datagram: (datagram) => testDatagram(test, datagram),
      };
    }
    case "lines":
    case "unordered": {
      const tests = expectation.lines.map((line) => lineTest(context, line));
      const matcher = expectation.kind === "lines" ? expectLines(tests) : expectUnordered(tests);
      return {
        description: `${expectation.kind === "lines" ? "lines" : "lines in any order"} ${
          tests.map((test) => test.description).join(", ")
        }`,
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram),
      };
    }
    case "contains": {
      const text = fill(context, expectation.text);
      const matcher = expectContains(text);
      return {
        description: `text containing ${JSON.stringify(text)}`,
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram, { rule: "search" }),
      };
    }
    case "regex": {
      const compiled = regex(context, expectation.pattern);
      const matcher = expectRegex(compiled);
      return {
        description: `text matching /${compiled.source}/`,
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram, { rule: "search" }),
      };
    }
    case "closed": {
      const matcher = expectClosed();
      return {
        description: expectation.how === "reset" ? "the peer to reset" : "the peer to close",
        matcher,
        datagram: (datagram) => matchDatagram(matcher, datagram),
      };
    }
    case "any": {
      const compiled = expectation.alternatives.map((alternative) =>
        compileExpectation(context, alternative)
      );
      const as = expectation.as;
      const pick = (results: MatchResult[]): MatchResult => {
        const index = results.findIndex((result) => result.status === "matched");
        if (index >= 0) {
          const result = results[index] as Matched;
          return matched(result.consumed, {
            ...result.captures,
            ...(as === undefined ? {} : { [as]: String(index) }),
          });
        }
        const waiting = results.filter((result) => result.status === "incomplete");
        if (waiting.length > 0) {
          return {
            status: "incomplete",
            discard: Math.min(...waiting.map((result) => (result as Incomplete).discard)),
          };
        }
        const failed = results as Mismatch[];
        return mismatch(
          Math.max(...failed.map((result) => result.offset)),
          `None of ${results.length} alternatives matches: ${
            failed.map((result, i) => `${i}: ${result.reason}`).join("; ")
          }`,
        );
      };
      return {
        description: `one of: ${compiled.map((each) => each.description).join("; ")}`,
        matcher: (bytes, ended) => pick(compiled.map((each) => each.matcher(bytes, ended))),
        datagram: (datagram) => pick(compiled.map((each) => each.datagram(datagram))),
      };
    }
    case "received": {
      const inner = compileExpectation(context, expectation.expectation);
      return { ...inner, description: `a message to the stub: ${inner.description}` };
    }
    case "silence":
      throw new TypeError("Silence has no matcher");
  }
}

function fail(failure: StepFailure): never {
  throw new StepFailedError(failure);
}

/** A regex that was still searching at the deadline: say so, not "nothing matched". */
function regexStalled(
  context: StepContext,
  channel: string,
  stalled: RegexTimeoutError,
  details: Partial<StepFailure>,
): never {
  if (context.runSignal.aborted) throw waitTimedOut(context, channel, "");
  fail({
    ...details,
    reason: "timeout",
    channel,
    message: `Regex /${stalled.source}/ did not finish in ${
      formatDuration(context.timeout)
    } searching ${stalled.size} characters of "${channel}"; it backtracks: simplify the pattern (avoid nested quantifiers like (a+)+)`,
  });
}

/**
 * Whether the bytes would have matched had a newline followed them: the
 * peer sent the text and forgot the line's end (or has not sent it yet).
 */
function missingNewline(matcher: Matcher | undefined, received: Uint8Array): boolean {
  if (matcher === undefined || received.length === 0 || received.at(-1) === NEWLINE) return false;
  try {
    return matcher(concat([received, new Uint8Array([NEWLINE])]), false).status === "matched";
  } catch {
    // A regex that needs a worker to decide: no hint rather than a wait.
    return false;
  }
}

const NEWLINE = 0x0a;

/** How much of a process's latest stdout is searched for what a connection did not get. */
const PRINTED_SEARCH_BYTES = 4096;
/** At most this many line starts are tried. */
const PRINTED_SEARCH_LINES = 200;

/**
 * A hint when what a connection waited for was printed by a process of the
 * scenario instead (the program under test, a spawned client): students
 * often print a reply instead of sending it. The expectation is tried at
 * each line start of the process's latest stdout.
 */
function printedInstead(context: StepContext, on: string, matcher: Matcher): string {
  // Only a connection can be printed to instead of sent to.
  if (context.channels.get(on) instanceof ProcessChannel) return "";
  for (const [name, channel] of context.channels) {
    if (name === on || !(channel instanceof ProcessChannel)) continue;
    const stdout = encoder.encode(channel.process.stdoutText().slice(-PRINTED_SEARCH_BYTES));
    let tried = 0;
    for (let start = 0; start < stdout.length && tried < PRINTED_SEARCH_LINES; tried++) {
      try {
        if (matcher(stdout.subarray(start), true).status === "matched") {
          return `; "${name}" printed it to its stdout: did it print instead of send?`;
        }
      } catch {
        // A regex that needs a worker to decide: no hint rather than a wait.
        return "";
      }
      const next = stdout.indexOf(NEWLINE, start);
      if (next === -1) break;
      start = next + 1;
    }
  }
  return "";
}

const encoder = new TextEncoder();

function timedOut(
  context: StepContext,
  channel: string,
  description: string,
  received: Uint8Array,
  matcher?: Matcher,
): never {
  const unread = missingNewline(matcher, received)
    ? `: the text arrived but no newline followed within ${formatDuration(context.timeout)}`
    : received.length > 0
    ? ` (${received.length} unread bytes did not match)`
    : " (nothing unread)";
  const hint = matcher === undefined ? "" : printedInstead(context, channel, matcher);
  throw waitTimedOut(context, channel, `${description} on "${channel}"${unread}${hint}`, {
    expected: description,
    received,
  });
}

async function expectSilence(
  step: ExpectStep,
  context: StepContext,
  duration: number,
): Promise<void> {
  const channel = channelNamed(context, step.on);
  const started = performance.now();
  using deadline = new Deadline(duration, [context.runSignal]);
  const buffer = streamOf(channel, step.stream);
  const activity = buffer !== undefined
    ? buffer.waitForActivity(deadline.signal)
    : (channel as UdpChannel).waitForActivity(deadline.signal);
  if (await activity) {
    const received = buffer?.unread.slice();
    if (received === undefined || received.length > 0) {
      const after = formatDuration(performance.now() - started);
      fail({
        reason: "mismatch",
        channel: step.on,
        message: received === undefined
          ? `Expected silence for ${
            formatDuration(duration)
          } on "${step.on}", but a datagram arrived after ${after}`
          : `Expected silence for ${
            formatDuration(duration)
          } on "${step.on}", but ${received.length} bytes arrived after ${after}`,
        expected: `silence for ${formatDuration(duration)}`,
        ...(received === undefined ? {} : { received }),
      });
    }
    // The peer closed without sending: still silent for the rest of the time.
    await aborted(deadline.signal);
  }
  if (context.runSignal.aborted) {
    fail({ reason: "aborted", channel: step.on, message: "Run cancelled" });
  }
}

/** Matches one whole message (a datagram or a frame) against the expectation. */
async function matchMessage(
  message: Uint8Array,
  compiled: CompiledExpectation,
  context: StepContext,
  expected: Omit<StepFailure, "reason" | "message"> & { what: "Datagram" | "Frame" },
): Promise<void> {
  const { what, ...details } = expected;
  let result: MatchResult;
  try {
    result = await settleMatch(() => compiled.datagram(message), context.signal);
  } catch (error) {
    if (!(error instanceof RegexTimeoutError)) throw error;
    regexStalled(context, details.channel ?? "", error, { ...details, received: message });
  }
  if (result.status === "matched") {
    Object.assign(context.variables, result.captures);
    return;
  }
  fail({
    ...details,
    reason: "mismatch",
    message: result.status === "mismatch"
      ? result.reason.replace(/^Datagram/, what)
      : `${what} does not match`,
    received: message,
    offset: result.status === "mismatch" ? result.offset : 0,
  });
}

/**
 * Runs an `expect` step: fills in the expectation, waits on the connection,
 * and adds named regex groups to the variables.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runExpect(step: ExpectStep, context: StepContext): Promise<void> {
  if (step.expectation.kind === "silence") {
    return expectSilence(step, context, step.expectation.duration);
  }
  const channel = channelNamed(context, step.on);
  const compiled = compileExpectation(context, step.expectation);
  const expected = {
    channel: step.on,
    expected: compiled.description,
    ...(compiled.bytes === undefined ? {} : { expectedBytes: compiled.bytes }),
  };
  if (channel instanceof StubJournalChannel) {
    const found = await channel.next(compiled.datagram, context.signal);
    if (found === undefined) {
      throw waitTimedOut(context, step.on, compiled.description, {
        expected: compiled.description,
      });
    }
    if (found.result.status === "matched") Object.assign(context.variables, found.result.captures);
    return;
  }
  if (channel instanceof UdpChannel) {
    // On a listener (Parley plays the server) the scenario's processes are
    // the clients: once they have all exited, no datagram is coming.
    using clients = channel.listening ? watchClients(context) : undefined;
    const datagram = await channel.receive(
      clients === undefined ? context.signal : AbortSignal.any([context.signal, clients.signal]),
    );
    if (datagram === undefined && clients?.signal.aborted && !context.signal.aborted) {
      fail({
        ...expected,
        reason: "exited",
        message: clients.describe(`sending to "${step.on}"`),
        received: new Uint8Array(),
      });
    }
    if (datagram === undefined) {
      timedOut(context, step.on, compiled.description, new Uint8Array(), compiled.matcher);
    }
    return await matchMessage(datagram, compiled, context, { ...expected, what: "Datagram" });
  }
  if (
    channel instanceof TcpChannel && channel.framing !== undefined &&
    step.expectation.kind !== "closed"
  ) {
    const framing = channel.framing;
    const outcome = await channel.buffer.waitFor(
      expectFrame(framing, context.maxBuffer),
      context.signal,
    );
    const waiting = `a frame (${describeFraming(framing)}) for ${compiled.description}`;
    switch (outcome.status) {
      case "matched":
        return await matchMessage(unframe(framing, outcome.bytes), compiled, context, {
          ...expected,
          what: "Frame",
        });
      case "mismatch":
        return fail({
          ...expected,
          reason: "mismatch",
          message: outcome.reason,
          received: outcome.unread,
          offset: outcome.offset,
        });
      case "aborted":
        throw waitTimedOut(
          context,
          step.on,
          outcome.unread.length === 0
            ? waiting
            : `${waiting} (${outcome.unread.length} bytes of it arrived)`,
          { expected: compiled.description, received: outcome.unread },
        );
      case "ended": {
        const how = outcome.end.kind;
        return fail({
          ...expected,
          reason: how === "reset" ? "reset" : how === "overflow" ? "overflow" : "closed",
          message: how === "overflow"
            ? `A frame is larger than max_buffer (${context.maxBuffer} bytes)`
            : outcome.unread.length === 0
            ? `Connection "${step.on}" was ${
              how === "reset" ? "reset" : "closed"
            } by the peer before ${waiting} arrived`
            : `Connection "${step.on}" was ${
              how === "reset" ? "reset" : "closed"
            } by the peer inside a frame, after ${outcome.unread.length} of its bytes`,
          received: outcome.unread,
        });
      }
    }
  }
  const buffer = streamOf(channel, step.stream);
  if (buffer === undefined) {
    fail({ reason: "error", channel: step.on, message: `Connection "${step.on}" cannot be read` });
  }
  const outcome = await buffer.waitFor(compiled.matcher, context.signal);
  const closed = step.expectation.kind === "closed" ? step.expectation.how : undefined;
  if (closed === "reset") {
    // Only an abort passes; an orderly close, bytes or silence fail.
    if (outcome.status === "ended" && outcome.end.kind === "reset" && outcome.unread.length === 0) {
      return;
    }
    if (outcome.status === "matched") {
      fail({
        ...expected,
        reason: "closed",
        message: `Expected "${step.on}" to be reset by the peer, but the peer closed it normally`,
      });
    }
  }
  switch (outcome.status) {
    case "matched":
      Object.assign(context.variables, outcome.captures);
      return;
    case "mismatch":
      fail({
        ...expected,
        reason: "mismatch",
        message: outcome.reason,
        received: outcome.unread,
        offset: outcome.offset,
      });
      break;
    case "aborted":
      if (outcome.stalled !== undefined) {
        regexStalled(context, step.on, outcome.stalled, { ...expected, received: outcome.unread });
      }
      timedOut(context, step.on, compiled.description, outcome.unread, compiled.matcher);
      break;
    case "ended": {
      const { end } = outcome;
      const before = `before ${compiled.description} arrived`;
      const what = channel instanceof ProcessChannel
        ? `The ${step.stream} of "${step.on}"`
        : `Connection "${step.on}"`;
      let message = closed === "close" && end.kind === "reset"
        ? `Expected "${step.on}" to be closed by the peer, but the peer reset it: ${end.message}`
        : end.kind === "closed"
        ? channel instanceof ProcessChannel
          ? `"${step.on}" closed its ${step.stream} ${before}`
          : `Connection "${step.on}" was closed by the peer ${before}`
        : end.kind === "reset"
        ? `${what} was reset ${before}: ${end.message}`
        : `${what} holds more than ${end.limit} unread bytes without a match; raise the suite's "max_buffer" if that much is expected`;
      if (channel instanceof ProcessChannel && end.kind === "closed") {
        // A closed stdout usually means the process is exiting: say how, if it does so promptly.
        using grace = new Deadline(500, [context.runSignal]);
        const exit = await untilAborted(channel.process.exited, grace.signal);
        if (exit !== undefined) message += ` (it ${describeExit(exit)})`;
      }
      message += printedInstead(context, step.on, compiled.matcher);
      fail({ ...expected, reason: end.kind, received: outcome.unread, message });
    }
  }
}

const LINES: JsonSchema = { type: "array", minItems: 1, items: ref("line") };
const EXPECTATIONS: Readonly<Record<string, JsonSchema>> = {
  text: described(TEXT, "Exactly these bytes, as UTF-8"),
  hex: described({ type: "string" }, "Exactly these bytes, in hex; ?? matches any one byte"),
  base64: described({ type: "string" }, "Exactly these bytes, in base64"),
  line: described(ref("line"), "The next line (through \\n)"),
  lines: described(LINES, "The next lines, in order"),
  unordered: described(LINES, "The next lines, in any order"),
  contains: described(TEXT, "Search the stream for this text"),
  regex: described({ type: "string" }, "Search the stream for this regex"),
  json: { description: "The next line is JSON containing this value" },
  closed: described(
    { enum: [true, "reset"] },
    "true: the peer closes (FIN); reset: the peer aborts (RST)",
  ),
  silence: described(DURATION, "Nothing arrives for this long"),
  fields: described(
    ref("fields"),
    "Binary fields, in order: a number or ${var} must be equal, a name captures",
  ),
  received: described(
    { type: "object" },
    "On the suite's stub: the next message a client sent it that meets this expectation",
  ),
  any: described(
    { type: "array", minItems: 2, items: { type: "object" } },
    "The first of these expectations to match; with as: NAME, ${NAME} is its index (from 0)",
  ),
};
const EXPECT_KINDS = Object.keys(EXPECTATIONS);
const EXPECT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to read (default: main)"),
  timeout: described(DURATION, "How long the step may wait"),
  stream: described({ enum: ["stdout", "stderr"] }, "A process's stream to read (default: stdout)"),
  as: described(CONNECTION_NAME, "With any: the variable set to the index of the one that matched"),
  ...EXPECTATIONS,
};
const EXPECT_KEYS = Object.keys(EXPECT_OPTIONS);

/** The regex groups an expectation captures. */
function capturedNames(expectation: Expectation): string[] {
  switch (expectation.kind) {
    case "regex":
      return groupNames(expectation.pattern);
    case "line":
      return expectation.line.kind === "regex" ? groupNames(expectation.line.pattern) : [];
    case "lines":
    case "unordered":
      return expectation.lines.flatMap((line) =>
        line.kind === "regex" ? groupNames(line.pattern) : []
      );
    case "received":
      return capturedNames(expectation.expectation);
    case "any":
      return [
        ...expectation.alternatives.flatMap(capturedNames),
        ...(expectation.as === undefined ? [] : [expectation.as]),
      ];
    default:
      return [];
  }
}

/** Decodes one expectation form (`text`, `line`, `fields`, …) as written. */
function decodeExpectation(
  kind: string,
  value: unknown,
  at: Place,
  kit: DecodeKit,
  state: ScenarioState,
): Expectation | undefined {
  let expectation: Expectation | undefined;
  switch (kind) {
    case "text":
    case "hex":
    case "base64": {
      const payload = kit.payload({ [kind]: value }, at, state.defined, `"expect"`);
      if (payload !== undefined) expectation = { kind: "bytes", payload };
      break;
    }
    case "line": {
      const line = kit.lineMatch(value, at, state);
      if (line !== undefined) expectation = { kind: "line", line };
      break;
    }
    case "lines":
    case "unordered": {
      if (!Array.isArray(value) || value.length === 0) {
        kit.problem(at, "wrong-type", {
          what: `"${kind}"`,
          expected: "a non-empty list of lines",
          got: describe(value),
        });
        break;
      }
      const lines = value.map((item: unknown, index: number) =>
        kit.lineMatch(item, kit.at(at, value, index), state)
      );
      if (lines.every((line): line is LineMatch => line !== undefined)) {
        expectation = { kind, lines };
      }
      break;
    }
    case "contains": {
      const text = kit.string(value, at, `"contains"`);
      if (text !== undefined) {
        kit.template(text, at, state.defined);
        if (text === "") {
          kit.problem(at, "wrong-type", {
            what: `"contains"`,
            expected: "a non-empty text",
            got: `""`,
          });
        }
        expectation = { kind: "contains", text };
      }
      break;
    }
    case "regex": {
      const pattern = kit.string(value, at, `"regex"`);
      if (pattern !== undefined) {
        expectation = { kind: "regex", pattern: kit.regex(pattern, at, state) };
      }
      break;
    }
    case "json":
      expectation = { kind: "json", value };
      break;
    case "fields": {
      const captures = new Set<string>();
      const fields = kit.fields(value, at, state.defined, { expect: true, captures });
      for (const name of captures) state.defined.add(name);
      if (fields !== undefined) expectation = { kind: "fields", fields };
      break;
    }
    case "closed":
      if (value === true) expectation = { kind: "closed", how: "close" };
      else if (value === "reset") expectation = { kind: "closed", how: "reset" };
      else {
        kit.problem(at, "wrong-type", {
          what: `"closed"`,
          expected: `true or "reset"`,
          got: describe(value),
        });
      }
      break;
    case "silence": {
      const duration = kit.duration(value, at, `"silence"`, UNSCALED);
      if (duration !== undefined) expectation = { kind: "silence", duration };
      break;
    }
  }
  return expectation;
}

/** Decodes `any: [ { line: "OK" }, { regex: "^ERR" } ]`, and `as`, the variable for the index. */
function decodeAny(
  value: unknown,
  at: Place,
  kit: DecodeKit,
  state: ScenarioState,
  options: Record<string, unknown>,
): Expectation | undefined {
  const forms = EXPECT_KINDS.filter((kind) => kind !== "any" && kind !== "silence");
  if (!Array.isArray(value) || value.length < 2) {
    kit.problem(at, "wrong-type", {
      what: `"any"`,
      expected: "a list of two or more expectations",
      got: describe(value),
    });
    return undefined;
  }
  const alternatives: Expectation[] = [];
  value.forEach((item: unknown, index: number) => {
    const place = kit.at(at, value, index);
    const given = typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.keys(item)
      : [];
    if (given.length !== 1 || !forms.includes(given[0]!)) {
      kit.problem(place, "wrong-type", {
        what: "an alternative",
        expected: `a mapping with one of ${forms.map((form) => `"${form}"`).join(", ")}`,
        got: describe(item),
      });
      return;
    }
    const kind = given[0]!;
    const alternative = decodeExpectation(
      kind,
      (item as Record<string, unknown>)[kind],
      kit.at(place, item, kind),
      kit,
      state,
    );
    if (alternative !== undefined) alternatives.push(alternative);
  });
  let as: string | undefined;
  if (options.as !== undefined) {
    as = kit.connectionName(options.as, at, `"as"`);
    if (as !== undefined) state.defined.add(as);
  }
  if (alternatives.length !== value.length) return undefined;
  return { kind: "any", alternatives, as };
}

/** Decodes an `expect` step as written. */
function decodeExpect(input: ActionInput, kit: DecodeKit): ExpectStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  const known = kit.checkKeys(options, EXPECT_KEYS, place, `"expect"`);
  const on = kit.on(options, place, state);
  const timeout = kit.timeout(options, place);
  const kinds = EXPECT_KINDS.filter((key) => options[key] !== undefined);
  // A misspelt expectation was reported as an unknown key; "needs one of" would say it twice.
  if (kinds.length === 0 && !known) return undefined;
  if (kinds.length !== 1) {
    kit.problem(kinds.length === 0 ? place : kit.at(place, options, kinds[1]!), "one-of-keys", {
      in: `"expect"`,
      keys: EXPECT_KINDS,
      given: kinds,
      ...(kinds.length === 0 ? {} : { hint: "use one step each" }),
    });
    return undefined;
  }
  const kind = kinds[0]!;
  const value = options[kind];
  const at = kit.at(place, options, kind);
  const datagrams = on?.kind === "udp" || on?.kind === "udp-listener";
  if (on !== undefined && datagrams && ["line", "lines", "unordered", "closed"].includes(kind)) {
    kit.problem(kit.at(place, options, kind), "does-not-apply", {
      what: `"${kind}"`,
      applies: "streams",
      name: on.name,
      is: "a UDP connection",
      why:
        `a UDP expect matches one whole datagram with "text", "hex", "base64", "contains", "regex", "json" or "silence"`,
    });
  }
  if (on?.kind === "tcp-listener") {
    kit.problem(place, "listener-not-connection", { action: "expect", name: on.name });
  }
  if (on?.kind === "stub" && kind !== "received") {
    kit.problem(place, "does-not-apply", {
      what: `"${kind}"`,
      applies: "connections",
      name: on.name,
      is: `the stub's journal: use "received"`,
    });
  }
  if (on?.kind === "proxy") {
    kit.problem(place, "does-not-apply", {
      what: `"expect"`,
      applies: "connections and processes",
      name: on.name,
      is: `a proxy: connect to \${${on.name}.port}`,
    });
  }
  let stream: "stdout" | "stderr" = "stdout";
  if (options.stream !== undefined) {
    if (on !== undefined && on.kind !== "process") {
      kit.problem(kit.at(place, options, "stream"), "does-not-apply", {
        what: `"stream"`,
        applies: "spawned processes",
        name: on.name,
        is: "a connection",
      });
    } else {
      stream = kit.oneOf(
        options.stream,
        ["stdout", "stderr"] as const,
        kit.at(place, options, "stream"),
        `"stream"`,
      ) ??
        stream;
    }
  }
  let expectation: Expectation | undefined;
  if (kind === "any") {
    expectation = decodeAny(value, at, kit, state, options);
  } else if (kind === "received") {
    const given = typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.keys(value)
      : [];
    const forms = EXPECT_KINDS.filter((form) => !["received", "silence", "closed"].includes(form));
    if (given.length !== 1 || !forms.includes(given[0]!)) {
      kit.problem(at, "wrong-type", {
        what: `"received"`,
        expected: `a mapping with one of ${forms.map((form) => `"${form}"`).join(", ")}`,
        got: describe(value),
      });
    } else {
      const inner = decodeExpectation(
        given[0]!,
        (value as Record<string, unknown>)[given[0]!],
        kit.at(at, value, given[0]!),
        kit,
        state,
      );
      if (inner !== undefined) expectation = { kind: "received", expectation: inner };
    }
    if (on !== undefined && on.kind !== "stub") {
      kit.problem(at, "does-not-apply", {
        what: `"received"`,
        applies: `the suite's stub ("on: stub")`,
        name: on.name,
      });
    }
  } else {
    expectation = decodeExpectation(kind, value, at, kit, state);
    if (options.as !== undefined) {
      kit.problem(kit.at(place, options, "as"), "requires-key", { key: "as", requires: ["any"] });
    }
  }
  if (expectation !== undefined) {
    for (const name of capturedNames(expectation)) state.defined.add(name);
  }
  if (on === undefined || expectation === undefined) return undefined;
  return { ...base, action: "expect", on: on.name, stream, expectation, timeout };
}

/** The `expect` action. */
export const expectAction: ActionSpec<ExpectStep> = {
  action: "expect",
  shorthand: "text",
  options: EXPECT_OPTIONS,
  summary: "Waits for bytes that match: exact bytes, lines, a search, JSON, a close, or silence.",
  decode: decodeExpect,
  run: runExpect,
};
