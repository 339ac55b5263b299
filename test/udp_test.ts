import { assertEquals } from "@std/assert";
import { failureOf, only, runText } from "./_helpers.ts";

const encoder = new TextEncoder();

/** A UDP peer that answers each datagram with the replies `reply` gives. */
function udpPeer(reply: (datagram: string) => string[]): AsyncDisposable & { port: number } {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    try {
      for await (const [datagram, from] of socket) {
        for (const answer of reply(new TextDecoder().decode(datagram))) {
          await socket.send(encoder.encode(answer), from);
        }
      }
    } catch {
      // Closed.
    }
  })();
  return {
    port: (socket.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose](): Promise<void> {
      socket.close();
      await serving;
    },
  };
}

Deno.test("UDP expect matches JSON, contains and regex on one whole datagram each", async () => {
  await using peer = udpPeer((query) => [
    `{"id": 7, "query": "${query}", "ok": true}\n`,
    `status=ready; load=0.5`,
    `token 1234`,
  ]);
  const scenario = only(
    await runText(`
name: udp
target: "udp://127.0.0.1:${peer.port}"
steps:
  - connect
  - send: "status"
  - expect: { json: { ok: true, query: "status" } }
  - expect: { contains: "ready" }
  - expect: { regex: "token (?<token>\\\\d+)" }
  - send: "\${token}"
  - expect: { json: { query: "1234" } }
`),
  );
  assertEquals(scenario.status, "passed", JSON.stringify(scenario.steps.at(-1)?.failure));
});

Deno.test("UDP expect times out when no datagram comes", async () => {
  await using peer = udpPeer(() => []);
  const failure = failureOf(only(
    await runText(`
name: udp
target: "udp://127.0.0.1:${peer.port}"
timeout: 100ms
steps:
  - connect
  - send: "hello?"
  - expect: "hi"
`),
  ));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 100ms waiting for "hi" on "main" (nothing unread)`,
  );
});

Deno.test("UDP silence fails when a datagram arrives", async () => {
  await using peer = udpPeer(() => ["one", "two"]);
  const failure = failureOf(only(
    await runText(`
name: udp
target: "udp://127.0.0.1:${peer.port}"
steps:
  - connect
  - send: "go"
  - expect: "one"
  - expect: { silence: 2s }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertEquals(
    failure.message.startsWith(`Expected silence for 2s on "main", but a datagram arrived after `),
    true,
  );
});

Deno.test("UDP ignores datagrams from anyone but the peer", async () => {
  const stranger = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  // The stranger writes to the client first; only then does the peer answer.
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  const serving = (async () => {
    const [, from] = await socket.receive();
    await stranger.send(encoder.encode("spoofed"), from);
    await socket.send(encoder.encode("from the peer"), from);
  })();
  try {
    const scenario = only(
      await runText(`
name: udp
target: "udp://127.0.0.1:${port}"
steps:
  - connect
  - send: "go"
  - expect: "from the peer"
`),
    );
    assertEquals(scenario.status, "passed", JSON.stringify(scenario.steps.at(-1)?.failure));
    await serving;
  } finally {
    stranger.close();
    socket.close();
  }
});

Deno.test("a UDP datagram that is longer than expected fails with the extra size", async () => {
  await using peer = udpPeer(() => ["pong!"]);
  const failure = failureOf(only(
    await runText(`
name: udp
target: "udp://127.0.0.1:${peer.port}"
steps:
  - connect
  - send: "ping"
  - expect: "pong"
`),
  ));
  assertEquals(failure.message, "Datagram has 1 bytes more than expected");
  assertEquals(failure.offset, 4);
});

Deno.test("expect on a UDP listener fails at once when every client has exited, with how", async () => {
  const result = await runText(`
name: silent client
timeout: 30s
steps:
  - listen: { as: srv, transport: udp }
  - spawn: { as: client, run: [python3, -c, "import sys; sys.stderr.write('no server given\\\\n'); sys.exit(3)"] }
  - expect: { on: srv, text: "ping" }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "exited");
  assertEquals(
    failure.message,
    `"client" exited with code 3 before sending to "srv"; its stderr ends: "no server given"`,
  );
});
