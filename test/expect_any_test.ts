// expect: { any: [...], as: NAME }: the first alternative to match wins, as
// expect(1)'s multi-pattern expect, and its index is a variable.

import { assertEquals } from "@std/assert";
import { failureOf, issuesOf, only, runText } from "./_helpers.ts";

Deno.test("any passes on the alternative that matches, and names its index", async () => {
  const result = await runText(`
name: any
server: echo
steps:
  - connect
  - send: "ERR no such key\\n"
  - expect: { any: [{ line: OK }, { line: { regex: "^ERR (?<why>.+)$" } }], as: which }
  - send: "\${which}: \${why}\\n"
  - expect: { line: "1: no such key" }
  - send: "OK\\n"
  - expect: { any: [{ line: OK }, { contains: K }], as: which }
  - send: "\${which}\\n"
  - expect: { line: "0" }
`);
  assertEquals(only(result).status, "passed");
});

Deno.test("any fails at once when no alternative can match, with each one's reason", async () => {
  const failure = failureOf(only(
    await runText(`
name: none
server: echo
steps:
  - connect
  - send: "maybe\\n"
  - expect: { any: [{ line: yes }, { line: no }] }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertEquals(
    failure.message,
    "None of 2 alternatives matches: 0: Line differs at byte 0; 1: Line differs at byte 0",
  );
});

Deno.test("any waits while an alternative may still match, then times out naming them all", async () => {
  const failure = failureOf(only(
    await runText(`
name: waiting
server: echo
timeout: 200ms
steps:
  - connect
  - send: "ye"
  - expect: { any: [{ line: yes }, { contains: "!" }] }
`),
  ));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 200ms waiting for one of: line "yes"; text containing "!" on "main" (2 unread bytes did not match)`,
  );
});

Deno.test("any needs two or more expectations, and as goes with any", () => {
  const issues = issuesOf(
    `name: s
server: echo
steps:
  - connect
  - expect: { any: [{ line: a }] }
  - expect: { any: [{ line: a }, { sleep: 1s }] }
  - expect: { line: a, as: x }
`,
  );
  const messages = issues.map(([, message]) => message);
  assertEquals(messages[0], `Expected "any" to be a list of two or more expectations, got a list`);
  assertEquals(
    messages[1]!.startsWith(`Expected an alternative to be a mapping with one of "text"`),
    true,
  );
  assertEquals(messages[2], `"as" goes with "any"`);
});
