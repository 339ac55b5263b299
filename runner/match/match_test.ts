import { assertEquals } from "@std/assert";
import { expectBytes, expectClosed } from "./bytes.ts";
import { matchDatagram, testDatagram } from "./datagram.ts";
import { jsonDifference } from "./json.ts";
import {
  expectLines,
  expectUnordered,
  lineContains,
  lineEquals,
  lineJson,
  lineRegex,
} from "./line.ts";
import { compileRegex, groupNames } from "./regex.ts";
import { expectContains, expectRegex, indexOfBytes } from "./search.ts";
import { INCOMPLETE, matched, mismatch } from "./result.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("expectBytes matches exactly and leaves the rest", () => {
  assertEquals(expectBytes(bytes("hello\n"))(bytes("hello\nmore"), false), matched(6));
});

Deno.test("expectBytes waits while the prefix agrees", () => {
  assertEquals(expectBytes(bytes("hello\n"))(bytes("he"), false), INCOMPLETE);
});

Deno.test("expectBytes fails fast when a byte differs", () => {
  assertEquals(
    expectBytes(bytes("hello\n"))(bytes("hex"), false),
    mismatch(2, `Byte 2 differs: expected "l" (0x6c), got "x" (0x78)`),
  );
});

Deno.test("expectClosed needs the end with nothing unread", () => {
  assertEquals(expectClosed()(bytes(""), true), matched(0));
  assertEquals(expectClosed()(bytes(""), false), INCOMPLETE);
  assertEquals(
    expectClosed()(bytes("x"), true),
    mismatch(0, "Expected the peer to close, but 1 unread bytes arrived"),
  );
});

Deno.test("expectLines drops a carriage return before the newline", () => {
  assertEquals(expectLines([lineEquals("a")])(bytes("a\r\nb"), false), matched(3));
});

Deno.test("expectLines fails fast on an unterminated line that differs", () => {
  assertEquals(
    expectLines([lineEquals("hello")])(bytes("help"), false),
    mismatch(3, "Line differs at byte 3"),
  );
  assertEquals(
    expectLines([lineEquals("hi")])(bytes("hi!"), false),
    mismatch(2, "Line differs at byte 2"),
  );
  assertEquals(expectLines([lineEquals("hi")])(bytes("hi\r"), false), INCOMPLETE);
});

Deno.test("expectLines reports a line that is cut short", () => {
  assertEquals(
    expectLines([lineEquals("hello")])(bytes("hel\n"), false),
    mismatch(3, "Line ended early at byte 3"),
  );
  assertEquals(
    expectLines([lineEquals("hello")])(bytes("hello"), true),
    mismatch(5, "Connection closed before the end of the line"),
  );
});

Deno.test("expectLines names which line of several differs", () => {
  assertEquals(
    expectLines([lineEquals("a"), lineEquals("b")])(bytes("a\nc\n"), false),
    mismatch(2, "Line 2 of 2: Line differs at byte 0"),
  );
});

Deno.test("expectLines gathers named groups", () => {
  const match = expectLines([lineRegex(compileRegex("^\\[(?<who>\\w+)\\] (?<what>.*)$"))]);
  assertEquals(match(bytes("[bob] hi bob\n"), false), matched(13, { who: "bob", what: "hi bob" }));
});

Deno.test("line tests for contains and JSON", () => {
  assertEquals(expectLines([lineContains("chat")])(bytes("to the chat!\n"), false), matched(13));
  assertEquals(expectLines([lineJson({ a: 1 })])(bytes('{"a":1,"b":2}\n'), false), matched(14));
  assertEquals(
    expectLines([lineJson({ a: 1 })])(bytes('{"a":2}\n'), false),
    mismatch(0, `JSON differs: at "a": expected 1, got 2`),
  );
  assertEquals(
    expectLines([lineJson({ a: 1 })])(bytes("nope\n"), false).status,
    "mismatch",
  );
});

Deno.test("expectUnordered accepts any order and assigns each line once", () => {
  const match = expectUnordered([lineRegex(compileRegex("^a")), lineEquals("ab")]);
  assertEquals(match(bytes("ab\nac\n"), false), matched(6));
  assertEquals(match(bytes("ab\n"), false), INCOMPLETE);
});

Deno.test("expectUnordered fails fast on a line no test accepts", () => {
  const match = expectUnordered([lineEquals("a"), lineEquals("b")]);
  assertEquals(
    match(bytes("x\n"), false),
    mismatch(0, "Line 1 matches none of the 2 expected lines"),
  );
  assertEquals(
    match(bytes("a\na\n"), false),
    mismatch(0, "The 2 lines cannot each match a different expected line"),
  );
});

Deno.test("expectContains skips what comes before and gives it up", () => {
  assertEquals(expectContains("Welcome")(bytes("xx Welcome!"), false), matched(10));
  assertEquals(expectContains("Welcome")(bytes("0123456789"), false), {
    status: "incomplete",
    discard: 4,
  });
});

Deno.test("expectRegex consumes through the match in bytes", () => {
  assertEquals(expectRegex(/é(?<n>\d)/)(bytes("aé1b"), false), matched(4, { n: "1" }));
  assertEquals(expectRegex(/z/)(bytes("abc"), false), { status: "incomplete", discard: 0 });
});

Deno.test("indexOfBytes finds a needle across positions", () => {
  assertEquals(indexOfBytes(bytes("aab"), bytes("ab")), 1);
  assertEquals(indexOfBytes(bytes("aa"), bytes("ab")), -1);
});

Deno.test("matchDatagram requires the whole datagram for exact matches", () => {
  assertEquals(matchDatagram(expectBytes(bytes("ping")), bytes("ping")), matched(4));
  assertEquals(
    matchDatagram(expectBytes(bytes("ping")), bytes("pingx")),
    mismatch(4, "Datagram has 1 bytes more than expected"),
  );
  assertEquals(
    matchDatagram(expectBytes(bytes("ping")), bytes("pi")),
    mismatch(2, "Datagram ended early at byte 2"),
  );
  assertEquals(matchDatagram(expectContains("in"), bytes("ping"), { rule: "search" }), matched(4));
  assertEquals(
    matchDatagram(expectContains("zz"), bytes("ping"), { rule: "search" }),
    mismatch(0, "Datagram does not contain a match"),
  );
});

Deno.test("testDatagram reads a JSON datagram", () => {
  assertEquals(testDatagram(lineJson({ ok: true }), bytes('{"ok":true}\n')), matched(12));
  assertEquals(
    testDatagram(lineJson({ ok: true }), bytes('{"ok":false}')),
    mismatch(0, `JSON differs: at "ok": expected true, got false`),
  );
});

Deno.test("jsonDifference matches objects as subsets and arrays exactly", () => {
  assertEquals(jsonDifference({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { c: 2 }] }), undefined);
  assertEquals(jsonDifference([1, 2], [1]), "expected 1 items, got 2");
  assertEquals(jsonDifference({}, { a: 1 }), `missing key "a"`);
});

Deno.test("compileRegex accepts lenient escapes and reports bad patterns", () => {
  assertEquals(compileRegex("a\\-b").test("a-b"), true);
  assertEquals(groupNames("(?<a>x)(?<b>y)"), ["a", "b"]);
  let message = "";
  try {
    compileRegex("(unclosed");
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, `Invalid regex "(unclosed": /(unclosed/: Unterminated group`);
});
