/**
 * --jobs against a serial run on suites that wait on the network: 8 files,
 * each a few scenarios that wait for silence on the echo server (the kind of
 * waiting a run against real services does), run with --jobs 1 and --jobs 4.
 *
 *   deno run -A bench/jobs_bench.ts
 *
 * @module
 */

import { findSuiteFiles, runFiles } from "../mod.ts";

const dir = await Deno.makeTempDir();
try {
  for (let file = 0; file < 8; file++) {
    const scenarios = Array.from({ length: 3 }, (_, i) => `
  - name: waits ${i}
    steps:
      - connect
      - send: "ping\\n"
      - expect: { line: "ping" }
      - expect: { silence: 100ms }`).join("");
    await Deno.writeTextFile(
      `${dir}/suite_${file}.yaml`,
      `name: suite ${file}\nserver: echo\nscenarios:${scenarios}\n`,
    );
  }
  const files = await findSuiteFiles([dir]);
  const times: Record<string, number> = {};
  for (const jobs of [1, 4]) {
    const started = performance.now();
    const summary = await runFiles(files, { jobs });
    if (summary.failed > 0) throw new Error(`${summary.failed} scenarios failed`);
    times[jobs] = performance.now() - started;
  }
  Deno.stdout.writeSync(new TextEncoder().encode(
    `8 files × 3 scenarios waiting 100ms each\n--jobs 1: ${times[1]!.toFixed(0)} ms\n--jobs 4: ${
      times[4]!.toFixed(0)
    } ms\nspeed-up: ${(times[1]! / times[4]!).toFixed(2)}x\n`,
  ));
} finally {
  await Deno.remove(dir, { recursive: true });
}
