// Leaderboards: a scenario ranks by a figure of its repeat step, and the
// Gradescope file carries it.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { createReporters, InvalidSuiteError, parseSuite, runFiles } from "../mod.ts";
import { gradescopeResults } from "../reporters.ts";

const SUITE = `name: echo race
server: echo
timeout: 2s
scenarios:
  - name: fast echoes
    leaderboard: { name: "Median latency (ms)", value: p50 }
    steps:
      - repeat:
          times: 20
          concurrency: 4
          steps: [connect, { send: "hi \${i}\\n" }, { expect: { line: "hi \${i}" } }]
  - name: echoes per second
    leaderboard: { value: throughput }
    steps:
      - repeat:
          times: 20
          steps: [connect, { send: "x\\n" }, { expect: { line: "x" } }]
  - name: a wrong echo earns no place
    leaderboard: { name: Wrong, value: max }
    steps:
      - repeat:
          times: 3
          steps: [connect, { send: "x\\n" }, { expect: { line: "y", timeout: 200ms } }]
`;

Deno.test("a leaderboard ranks by its repeat's figure, in the JSON and Gradescope results, and only when it passed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/race.yaml`, SUITE);
    const written = new Map<string, string>();
    const reporters = await createReporters(["json=report.json", "gradescope=results.json"], {
      writeFile: (path, text) => {
        written.set(path, text);
        return Promise.resolve();
      },
    });
    const summary = await runFiles([`${dir}/race.yaml`], { reporters });
    const [fast, rate, wrong] = summary.suites[0]!.scenarios;
    assertEquals(fast!.leaderboard?.name, "Median latency (ms)");
    assertEquals(fast!.leaderboard?.order, "asc");
    const measures = fast!.steps[0]!.measures!;
    assertEquals([measures.iterations, measures.passed], [20, 20]);
    assertEquals(fast!.leaderboard?.value, Math.round(measures.p50 * 100) / 100);
    assert(measures.p50 <= measures.p95 && measures.p95 <= measures.max);
    // Throughput ranks higher first, named after the scenario when no name is given.
    assertEquals(rate!.leaderboard?.name, "echoes per second");
    assertEquals(rate!.leaderboard?.order, "desc");
    assert(rate!.leaderboard!.value > 0);
    assertEquals(wrong!.status, "failed");
    assertEquals(wrong!.leaderboard, undefined);
    const results = JSON.parse(written.get("results.json")!);
    assertEquals(results.leaderboard, [fast!.leaderboard, rate!.leaderboard]);
    const report = JSON.parse(written.get("report.json")!);
    assertEquals(
      report.suites[0].scenarios.map((scenario: { leaderboard?: unknown }) => scenario.leaderboard),
      [fast!.leaderboard, rate!.leaderboard, undefined],
    );
    assertEquals(report.suites[0].scenarios[0].steps[0].measures.iterations, 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Gradescope file without leaderboards has no leaderboard key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/plain.yaml`,
      `name: plain\nserver: echo\nsteps: [connect, { send: "a\\n" }, { expect: { line: a } }]\n`,
    );
    const results = gradescopeResults(await runFiles([`${dir}/plain.yaml`], { reporters: [] }));
    assertEquals("leaderboard" in results, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a leaderboard needs one repeat step and a known figure", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        `name: s
server: echo
scenarios:
  - name: none
    leaderboard: { value: p50 }
    steps: [connect]
  - name: two
    leaderboard: { value: p95 }
    steps:
      - repeat: { times: 2, steps: [connect] }
      - repeat: { times: 2, steps: [connect] }
  - name: typo
    leaderboard: { value: p59, order: up, rank: 1 }
    steps:
      - repeat: { times: 2, steps: [connect] }
  - name: no value
    leaderboard: { name: x }
    steps:
      - repeat: { times: 2, steps: [connect] }
`,
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  );
  assertEquals((error as InvalidSuiteError).issues.map((issue) => [issue.line, issue.message]), [
    [5, `"leaderboard" ranks the scenario's "repeat" step, but it has none`],
    [8, `"leaderboard" ranks one "repeat" step, but the scenario has 2`],
    [
      13,
      `Unknown key "rank" in "leaderboard" (allowed: "name", "value", "order")`,
    ],
    [
      13,
      `Invalid "value" "p59": did you mean "p50"? (expected one of "p50", "p95", "max", "throughput")`,
    ],
    [13, `Invalid "order" "up": expected "asc" or "desc"`],
    [
      17,
      `"leaderboard" needs "value": what it ranks by, "p50", "p95", "max" or "throughput"`,
    ],
  ]);
});
