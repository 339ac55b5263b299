// Recording for real: a client's session with a real redis-server, recorded
// through parley record, then replayed: the suite passes against the same
// server, and the stub answers as the server did.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { loadSuite, runSuite } from "../mod.ts";
import { loadStub, startStub } from "../runner/stub.ts";
import { Deadline } from "../runner/deadline.ts";
import { untilAborted } from "../runner/channels/channel.ts";
import { CLI, freePort, startRedis, testWithTools } from "./_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends a request and reads until a reply of the expected length came (5 s at most). */
async function exchange(conn: Deno.Conn, request: string, reply: string): Promise<string> {
  await conn.write(encoder.encode(request));
  let received = "";
  using deadline = new Deadline(5_000);
  const chunk = new Uint8Array(4096);
  while (received.length < reply.length) {
    const count = await untilAborted(conn.read(chunk), deadline.signal);
    if (count === undefined || count === null) break;
    received += decoder.decode(chunk.subarray(0, count));
  }
  return received;
}

/** Sends each request on one connection and returns the replies. */
async function talk(port: number, exchanges: [string, string][]): Promise<string[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const replies: string[] = [];
    for (const [request, reply] of exchanges) replies.push(await exchange(conn, request, reply));
    return replies;
  } finally {
    conn.close();
  }
}

/** Runs parley record in front of `port`, lets `drive` talk through it, and returns what it wrote. */
async function recordSession(
  port: number,
  as: "suite" | "stub",
  drive: (recorderPort: number) => Promise<void>,
): Promise<{ file: string; stderr: string }> {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "record",
      "--to",
      `tcp://127.0.0.1:${port}`,
      "--out",
      file,
      "--as",
      as,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value: first } = await lines.read();
  const recorderPort = Number(/127\.0\.0\.1:(\d+), forwarding/.exec(first ?? "")?.[1]);
  await drive(recorderPort);
  child.kill("SIGTERM");
  assertEquals((await child.status).code, 0);
  await lines.cancel();
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  return { file, stderr };
}

const SESSION: [string, string][] = [
  ["PING\r\n", "+PONG\r\n"],
  ["*3\r\n$3\r\nSET\r\n$6\r\nrecord\r\n$5\r\nhello\r\n", "+OK\r\n"],
  ["*2\r\n$3\r\nGET\r\n$6\r\nrecord\r\n", "$5\r\nhello\r\n"],
];

testWithTools(
  ["redis-server"],
  "a recorded Redis session replays against the same server",
  async () => {
    const port = freePort();
    await using _redis = await startRedis(port);
    const { file, stderr } = await recordSession(port, "suite", async (recorder) => {
      assertEquals(await talk(recorder, SESSION), SESSION.map(([, reply]) => reply));
    });
    try {
      assertStringIncludes(stderr, `1 session recorded to ${file}`);
      const text = await Deno.readTextFile(file);
      assert(text.startsWith(`# Recorded by parley record from tcp://127.0.0.1:${port} on `), text);
      assertStringIncludes(text, "line: +PONG");
      const result = await runSuite(await loadSuite(file));
      assertEquals(result.scenarios.map((scenario) => scenario.status), ["passed"]);
      assertEquals(result.scenarios[0]!.steps.map((step) => step.step.action), [
        "connect",
        "send",
        "expect",
        "send",
        "expect",
        "send",
        "expect",
      ]);
    } finally {
      await Deno.remove(file);
    }
  },
);

testWithTools(
  ["redis-server"],
  "record --as stub writes a stub that answers as the server did",
  async () => {
    const port = freePort();
    await using _redis = await startRedis(port);
    const { file } = await recordSession(port, "stub", async (recorder) => {
      await talk(recorder, SESSION);
    });
    try {
      await using stub = startStub(await loadStub(file), { port: 0 });
      assertEquals(await talk(stub.port, SESSION), SESSION.map(([, reply]) => reply));
    } finally {
      await Deno.remove(file);
    }
  },
);

testWithTools(
  ["redis-server"],
  "overlapping sessions become one scenario with a connection each; --max-time stops; secrets are masked",
  async () => {
    const port = freePort();
    await using _redis = await startRedis(port);
    const file = await Deno.makeTempFile({ suffix: ".yaml" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          CLI,
          "record",
          "--to",
          `tcp://127.0.0.1:${port}`,
          "--out",
          file,
          "--max-time",
          "2s",
        ],
        env: { PARLEY_TEST_API_TOKEN: "hunter22" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value: first } = await lines.read();
      const recorder = Number(/127\.0\.0\.1:(\d+), forwarding/.exec(first ?? "")?.[1]);
      // Two clients at once: the first stays open while the second talks.
      const one = await Deno.connect({ hostname: "127.0.0.1", port: recorder });
      const two = await Deno.connect({ hostname: "127.0.0.1", port: recorder });
      assertEquals(await exchange(one, "PING\r\n", "+PONG\r\n"), "+PONG\r\n");
      assertEquals(
        await exchange(two, "*2\r\n$4\r\nECHO\r\n$8\r\nhunter22\r\n", "$8\r\nhunter22\r\n"),
        "$8\r\nhunter22\r\n",
      );
      assertEquals(
        await exchange(one, "*2\r\n$4\r\nECHO\r\n$3\r\none\r\n", "$3\r\none\r\n"),
        "$3\r\none\r\n",
      );
      one.close();
      two.close();
      // --max-time ends the recording without a signal.
      assertEquals((await child.status).code, 0);
      await lines.cancel();
      await child.stderr.cancel();
      const text = await Deno.readTextFile(file);
      assertEquals(text.includes("hunter22"), false);
      assertStringIncludes(text, "***");
      assertStringIncludes(text, "name: 'sessions 1 and 2, at once'");
      assertStringIncludes(text, "connect: c2");
    } finally {
      await Deno.remove(file);
    }
  },
);
