// Every assignment against its reference solution and every buggy variant:
// the solution scores full marks, and each bug loses exactly the scenarios it
// should, with a message that names the problem.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path/posix/from-file-url";
import { loadSuite, runSuite, type SuiteResult } from "../mod.ts";

const ROOT = fromFileUrl(new URL("../examples/assignments/", import.meta.url));

interface Case {
  /** The buggy variant, or the solution. */
  readonly program: string;
  /** Failed scenarios and a phrase their message must hold. */
  readonly fails: Readonly<Record<string, string>>;
}

const ASSIGNMENTS: Readonly<Record<string, { score: number; cases: readonly Case[] }>> = {
  echo: {
    score: 10,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/one_client_at_a_time.py",
        fails: {
          "serves two clients at once": `Timed out after 1s waiting for line "bob here" on "bob"`,
        },
      },
      {
        program: "bugs/exits_after_first_client.py",
        fails: {
          "serves two clients at once": `Timed out after 1s waiting for line "bob here" on "bob"`,
          "serves the next client after one leaves":
            "the program under test had exited with code 0",
        },
      },
      {
        program: "bugs/one_recv_per_client.py",
        fails: {
          "echoes a message split over many writes": "by peer after",
          // Closed or reset: it depends on whether our second send reached the closed socket first.
          "keeps the connection open for several messages": `before line "second" arrived`,
        },
      },
    ],
  },
  upper: {
    score: 10,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/single_recv.py",
        fails: { "reads a sentence that arrives in pieces": "by peer after" },
      },
      {
        program: "bugs/missing_newline.py",
        fails: {
          "ends the reply with a newline": `was closed by the peer before "HELLO WORLD\\n" arrived`,
        },
      },
      {
        program: "bugs/never_closes.py",
        fails: { "closes the connection after replying": "waiting for the peer to close" },
      },
      {
        program: "bugs/one_client_at_a_time.py",
        fails: {
          "serves a client while another is slow to send":
            `waiting for text containing "QUICK" on "quick"`,
        },
      },
    ],
  },
  chat: {
    score: 10,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/echoes_to_sender.py",
        fails: {
          "a message reaches the others, not the sender":
            `Expected silence for 200ms on "alice", but 15 bytes arrived`,
        },
      },
      {
        program: "bugs/no_goodbye.py",
        fails: {
          "tells the others when someone leaves":
            `waiting for line "[SERVER] bob left the chat" on "alice"`,
        },
      },
      {
        program: "bugs/one_recv_per_line.py",
        fails: { "a line that arrives in pieces is one message": "Line ended early at byte 14" },
      },
    ],
  },
  "udp_pinger": {
    score: 10,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/no_timeout.py",
        fails: {
          "a lost ping times out and the next one goes on":
            `Timed out after 2s waiting for text matching /^Ping 5 `,
        },
      },
      {
        program: "bugs/crashes_on_timeout.py",
        fails: {
          "a lost ping times out and the next one goes on":
            `"client" exited with code 1 before sending to "srv"; its stderr ends: "TimeoutError: timed out"`,
        },
      },
      {
        program: "bugs/short_timeout.py",
        fails: {
          "a reply within the second is not a timeout":
            "Line does not match /^Ping 1: RTT [6-9]\\d\\d(\\.\\d+)? ms$/",
        },
      },
      {
        program: "bugs/counts_from_zero.py",
        fails: {
          "sends ten numbered pings and prints each round-trip time":
            "Datagram does not contain a match",
          "a lost ping times out and the next one goes on": "Datagram does not contain a match",
          "a reply within the second is not a timeout": "Datagram does not contain a match",
        },
      },
    ],
  },
  "web_server": {
    score: 10,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/always_200.py",
        fails: {
          "answers 404 Not Found for a missing file":
            "before text matching /^HTTP\\/1\\.1 404 Not Found\\r\\n/ arrived",
        },
      },
      {
        program: "bugs/single_recv.py",
        fails: { "reads a request that arrives in pieces": "connection closed by peer after" },
      },
      {
        program: "bugs/no_blank_line.py",
        fails: {
          "serves a file with 200 OK, headers, a blank line and the file":
            `before text containing "\\r\\n\\r\\n" arrived`,
        },
      },
      {
        program: "bugs/one_client_at_a_time.py",
        fails: {
          "serves a client while another is slow to send its request":
            `waiting for text matching /^HTTP\\/1\\.1 200 OK\\r\\n/ on "quick"`,
        },
      },
    ],
  },
  rdt: {
    score: 10,
    cases: [
      { program: "solution", fails: {} },
      {
        program: "bugs/no_retransmission",
        fails: {
          "lost packets and lost ACKs are sent again": "Line differs at byte",
          "a network that loses, duplicates and reorders": "Line differs at byte",
        },
      },
      {
        program: "bugs/no_duplicate_detection",
        fails: {
          "lost packets and lost ACKs are sent again": "Line differs at byte",
          "duplicated packets are kept once": "Line differs at byte",
          "a network that loses, duplicates and reorders": "Line differs at byte",
        },
      },
      {
        program: "bugs/ignores_ack_number",
        fails: { "a network that loses, duplicates and reorders": "Line differs at byte" },
      },
      {
        program: "bugs/one_bit_sequence",
        fails: { "a network that loses, duplicates and reorders": "Line differs at byte" },
      },
    ],
  },
  "upper_client": {
    score: 5,
    cases: [
      { program: "solution.py", fails: {} },
      {
        program: "bugs/single_recv.py",
        fails: { "reads a reply that arrives in pieces": "by peer after" },
      },
      {
        program: "bugs/crashes_on_close.py",
        fails: {
          "exits with code 0 when done":
            `Expected "client" to exit with code 0, but it exited with code 1`,
        },
      },
    ],
  },
};

async function grade(assignment: string, program: string): Promise<SuiteResult> {
  const suite = await loadSuite(`${ROOT}${assignment}/assignment.yaml`);
  const submission = `${ROOT}${assignment}/${program}`;
  return await runSuite(suite, {
    env: (name) => name === "SUBMISSION" ? submission : Deno.env.get(name),
  });
}

for (const [assignment, { score, cases }] of Object.entries(ASSIGNMENTS)) {
  for (const { program, fails } of cases) {
    Deno.test(`assignment ${assignment}: ${program} fails exactly ${Object.keys(fails).length} scenarios`, async () => {
      const result = await grade(assignment, program);
      const failed = result.scenarios.filter((scenario) => scenario.status !== "passed");
      assertEquals(failed.map((scenario) => scenario.name).sort(), Object.keys(fails).sort());
      for (const scenario of failed) {
        const failure = scenario.steps.at(-1)?.failure;
        assertStringIncludes(failure?.message ?? scenario.note ?? "", fails[scenario.name]);
      }
      const earned = result.scenarios.reduce(
        (sum, s) => sum + (s.status === "passed" ? s.points : 0),
        0,
      );
      const lost = failed.reduce((sum, s) => sum + s.points, 0);
      assertEquals(earned + lost, score);
      if (Object.keys(fails).length === 0) assertEquals(earned, score);
    });
  }
}

Deno.test("the uppercase-client example runs as written against the textbook client", async () => {
  const result = await runSuite(await loadSuite(`${ROOT}upper_client/example.yaml`));
  assertEquals(result.scenarios.map((scenario) => scenario.status), ["passed"]);
});

Deno.test("no program under test outlives its run", async () => {
  // Programs inherit a mark unique to this run: other checkouts running
  // their tests at the same time are not counted.
  const mark = `PARLEY_TEST_RUN=${crypto.randomUUID()}`;
  Deno.env.set("PARLEY_TEST_RUN", mark.slice("PARLEY_TEST_RUN=".length));
  try {
    for (const assignment of Object.keys(ASSIGNMENTS)) {
      await grade(assignment, "solution.py");
    }
  } finally {
    Deno.env.delete("PARLEY_TEST_RUN");
  }
  const left: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`).split("\0");
      if (!environ.includes(mark)) continue;
      const command = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      // A zombie has exited; only its parent has yet to collect it.
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      left.push(`${entry.name} ${command}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  assertEquals(left, []);
});
