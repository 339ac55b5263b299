/**
 * 1000 conversations (connect, send a line, expect it back, close) against
 * the built-in echo server (`parley serve echo`, in its own process): Parley
 * against a plain Deno script doing the same with `Deno.connect`, side by
 * side in one process, alternating rounds.
 *
 *   deno task bench [--conversations 1000] [--rounds 5]
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { parseSuite, runSuite } from "../mod.ts";

const args: { conversations?: string; rounds?: string } = parseArgs(Deno.args, {
  string: ["conversations", "rounds"],
});
const conversations = Number(args.conversations ?? 1000);
const rounds = Number(args.rounds ?? 9);
const encoder = new TextEncoder();
const LINE = encoder.encode("hello\n");

// The echo server runs in its own process, as a server under test would, so
// its work is not charged to either client being measured.
const serverProcess = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net", new URL("../cli.ts", import.meta.url).pathname, "serve", "echo"],
  stdout: "piped",
  stderr: "null",
}).spawn();
const banner = serverProcess.stdout.pipeThrough(new TextDecoderStream()).getReader();
const address = /listening on 127\.0\.0\.1:(\d+)/.exec((await banner.read()).value ?? "");
if (address === null) throw new Error("The echo server did not start");
const server = { port: Number(address[1]) };

/** The baseline: what a careful hand-written client does. */
async function plain(): Promise<void> {
  const reply = new Uint8Array(64);
  for (let i = 0; i < conversations; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(LINE);
    let have = 0;
    while (have < LINE.length) {
      const n = await conn.read(reply.subarray(have));
      if (n === null) throw new Error("Echo closed early");
      have += n;
    }
    if (reply[LINE.length - 1] !== 0x0a) throw new Error("Wrong reply");
    conn.close();
  }
}

const scenarios = Array.from({ length: conversations }, (_, i) => `
  - name: conversation ${i}
    steps:
      - connect
      - send: "hello\\n"
      - expect: { line: "hello" }
      - close`).join("");
const suite = parseSuite(
  `name: bench\ntarget: "tcp://127.0.0.1:${server.port}"\nscenarios:${scenarios}\n`,
);

async function parley(): Promise<void> {
  const result = await runSuite(suite);
  const failed = result.scenarios.filter((scenario) => scenario.status !== "passed").length;
  if (failed > 0) throw new Error(`${failed} conversations failed`);
}

async function time(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// Warm up both paths (JIT, sockets) before measuring.
await plain();
await parley();
const plainTimes: number[] = [];
const parleyTimes: number[] = [];
for (let round = 0; round < rounds; round++) {
  plainTimes.push(await time(plain));
  parleyTimes.push(await time(parley));
}
const plainMs = median(plainTimes);
const parleyMs = median(parleyTimes);
// Rounds alternate, so each pair shares the machine's state: the median of
// the per-round ratios is steadier than the ratio of medians on a busy host.
const ratio = median(parleyTimes.map((time, round) => time / plainTimes[round]!));
const perConversation = (ms: number): string => `${(ms / conversations * 1000).toFixed(0)} µs each`;
const lines = [
  `${conversations} conversations (connect, send a line, expect it back, close), ${rounds} alternating rounds`,
  `plain Deno.connect script: median ${plainMs.toFixed(1)} ms (${perConversation(plainMs)}), best ${
    Math.min(...plainTimes).toFixed(1)
  } ms`,
  `Parley runSuite:           median ${parleyMs.toFixed(1)} ms (${
    perConversation(parleyMs)
  }), best ${Math.min(...parleyTimes).toFixed(1)} ms`,
  `ratio Parley / plain:      ${
    ratio.toFixed(2)
  }x (median of per-round ratios; target: within 1.5x)`,
];
Deno.stdout.writeSync(encoder.encode(`${lines.join("\n")}\n`));

serverProcess.kill("SIGINT");
await serverProcess.status;
await banner.cancel();
