// TLS for real: connections verified against a CA made by openssl, an
// insecure one beside them, handshakes that fail for a reason, and STARTTLS
// against a server that upgrades after a plain-text greeting.

import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidSuiteError, parseSuite, runSuite, type SuiteResult } from "../mod.ts";
import { type Certificates, makeCertificates } from "./_certs.ts";
import {
  CLI,
  failureOf,
  fixture,
  freePort,
  only,
  runParley,
  runText,
  startService,
  testWithTools,
} from "./_helpers.ts";

/** A TLS echo server on a free port of 127.0.0.1. */
function tlsEchoServer(certs: Certificates): { port: number } & AsyncDisposable {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: Deno.readTextFileSync(certs.cert),
    key: Deno.readTextFileSync(certs.key),
  });
  const serving = (async () => {
    for await (const conn of listener) {
      (async () => {
        try {
          const chunk = new Uint8Array(4096);
          while (true) {
            const count = await conn.read(chunk);
            if (count === null) break;
            await conn.write(chunk.subarray(0, count));
          }
        } catch {
          // A client that failed its handshake, or left.
        } finally {
          try {
            conn.close();
          } catch {
            // Closed already.
          }
        }
      })();
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose](): Promise<void> {
      listener.close();
      await serving.catch(() => {});
    },
  };
}

/** The STARTTLS fixture server, running. */
async function startTlsServer(certs: Certificates): Promise<{ port: number } & AsyncDisposable> {
  const port = freePort();
  const process = await startService(
    ["python3", fixture("starttls_server.py"), String(port), certs.cert, certs.key],
    port,
  );
  return { port, [Symbol.asyncDispose]: () => process.stop().then(() => {}) };
}

async function withCertificates(run: (certs: Certificates) => Promise<void>): Promise<void> {
  const certs = await makeCertificates();
  try {
    await run(certs);
  } finally {
    await Deno.remove(certs.dir, { recursive: true });
  }
}

function run(yaml: string, certs: Certificates): Promise<SuiteResult> {
  // Relative PEM paths start from the suite's folder.
  return runSuite(parseSuite(yaml, { file: `${certs.dir}/tls.yaml` }));
}

testWithTools(
  ["openssl"],
  "a verified TLS connection, an insecure one beside it and a wrong name each behave as configured",
  () =>
    withCertificates(async (certs) => {
      await using server = tlsEchoServer(certs);
      const result = await run(
        `
name: tls
target: "tls://127.0.0.1:${server.port}"
tls: { ca: ca.pem, servername: localhost }
scenarios:
  - name: three connections
    steps:
      - connect
      - send: "verified\\n"
      - expect: { line: verified }
      - connect: { as: lax, tls: { insecure: true } }
      - send: { on: lax, text: "lax\\n" }
      - expect: { on: lax, line: lax }
      - connect: { as: bad, tls: { servername: wrong.example }, fails: handshake }
`,
        certs,
      );
      const scenario = only(result);
      assertEquals(scenario.status, "passed");
      const notes = scenario.transcript.filter((event) => event.kind === "note")
        .map((event) => `${event.channel}: ${event.detail}`);
      assertEquals(notes[0], `main: TLS handshake with "localhost" verified`);
      assertStringIncludes(
        notes[1]!,
        `lax: TLS handshake with "localhost" not verified (insecure): TLSv1.3, peer CN=localhost until `,
      );
      assertEquals(
        notes[2],
        `bad: connect to tls://127.0.0.1:${server.port} failed: handshake`,
      );
    }),
);

testWithTools(
  ["openssl"],
  "an unknown CA fails the handshake, naming the reason",
  () =>
    withCertificates(async (certs) => {
      await using server = tlsEchoServer(certs);
      const failure = failureOf(only(
        await run(
          `name: unknown CA\nsteps: [{ connect: { to: "tls://127.0.0.1:${server.port}", tls: { servername: localhost } } }]\n`,
          certs,
        ),
      ));
      assertEquals(failure.reason, "handshake");
      assertEquals(
        failure.message,
        `Cannot connect to "127.0.0.1:${server.port}": TLS handshake failed: invalid peer certificate: UnknownIssuer`,
      );
    }),
);

testWithTools(
  ["openssl"],
  "a wrong server name fails the handshake, naming both names",
  () =>
    withCertificates(async (certs) => {
      await using server = tlsEchoServer(certs);
      const failure = failureOf(only(
        await run(
          `name: wrong name\nsteps: [{ connect: { to: "tls://127.0.0.1:${server.port}", tls: { ca: ca.pem, servername: wrong.example } } }]\n`,
          certs,
        ),
      ));
      assertEquals(failure.reason, "handshake");
      assertStringIncludes(
        failure.message,
        `TLS handshake failed: invalid peer certificate: certificate not valid for name "wrong.example"`,
      );
    }),
);

testWithTools(
  ["openssl"],
  "fails: handshake fails when the handshake succeeds",
  () =>
    withCertificates(async (certs) => {
      await using server = tlsEchoServer(certs);
      const failure = failureOf(only(
        await run(
          `name: no failure\nsteps: [{ connect: { to: "tls://127.0.0.1:${server.port}", tls: { ca: ca.pem, servername: localhost }, fails: handshake } }]\n`,
          certs,
        ),
      ));
      assertEquals(failure.reason, "connected");
      assertEquals(
        failure.message,
        `Expected connecting to "tls://127.0.0.1:${server.port}" to fail with "handshake", but it connected`,
      );
    }),
);

testWithTools(
  ["openssl", "python3"],
  "STARTTLS upgrades a plain-text conversation in place, verified or insecure",
  () =>
    withCertificates(async (certs) => {
      await using server = await startTlsServer(certs);
      const result = await run(
        `
name: starttls
target: "tcp://127.0.0.1:${server.port}"
scenarios:
  - name: verified
    steps:
      - connect
      - expect: { line: "220 ready" }
      - send: "STARTTLS\\r\\n"
      - expect: { line: "220 go ahead" }
      - starttls: { ca: ca.pem, servername: localhost }
      - send: "secret\\n"
      - expect: { line: secret }
  - name: insecure
    steps:
      - connect: plain
      - expect: { on: plain, line: "220 ready" }
      - send: { on: plain, text: "STARTTLS\\r\\n" }
      - expect: { on: plain, line: "220 go ahead" }
      - starttls: { on: plain, insecure: true }
      - send: { on: plain, text: "anyone\\n" }
      - expect: { on: plain, line: anyone }
  - name: plain text to a TLS client fails the handshake
    steps:
      - connect: { to: "tls://127.0.0.1:${server.port}", tls: { ca: ca.pem }, fails: handshake }
`,
        certs,
      );
      assertEquals(result.scenarios.map((scenario) => scenario.status), [
        "passed",
        "passed",
        "passed",
      ]);
    }),
);

testWithTools(
  ["openssl", "python3"],
  "STARTTLS with plain text left unread before it fails, showing the bytes",
  () =>
    withCertificates(async (certs) => {
      await using server = await startTlsServer(certs);
      const failure = failureOf(only(
        await run(
          `
name: injected
target: "tcp://127.0.0.1:${server.port}"
steps:
  - connect
  - expect: { line: "220 ready" }
  - send: "STARTTLS EARLY\\r\\n"
  - expect: { line: "220 go ahead" }
  - starttls: { ca: ca.pem, servername: localhost }
`,
          certs,
        ),
      ));
      assertEquals(failure.reason, "error");
      assertEquals(
        failure.message,
        `Cannot start TLS on "main": 14 bytes arrived before it and are unread (they came as plain text): "250 injected\\r\\n"`,
      );
    }),
);

Deno.test("TLS options are checked: where they apply, and certificate with key", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        `name: s
target: "udp://127.0.0.1:53"
scenarios:
  - name: a
    steps:
      - connect: { tls: { insecure: true } }
      - connect: { as: b, to: "tcp://127.0.0.1:25", fails: handshake }
      - connect: { as: c, to: "tls://127.0.0.1:25", tls: { cert: c.pem, insecure: yes, sni: x } }
`,
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  );
  assertEquals((error as InvalidSuiteError).issues.map((issue) => [issue.line, issue.message]), [
    [6, `"tls" applies to TCP connections: this one is UDP`],
    [
      7,
      `"fails: handshake" applies to TLS connections (a "tls://" address or "tls" options)`,
    ],
    [
      8,
      `Unknown key "sni" in "tls" (allowed: "ca", "servername", "insecure", "cert", "key", "alpn")`,
    ],
    [8, `Expected "insecure" to be true or false, got "yes"`],
    [8, `"cert" goes with "key"`],
  ]);
});

testWithTools(
  ["openssl"],
  "a TLS listener accepts TLS clients, and fails accept with the reason when a client refuses it",
  () =>
    withCertificates(async (certs) => {
      const result = await run(
        `
name: tls server
scenarios:
  - name: a client that trusts us
    steps:
      - listen: { as: srv, tls: { cert: server.pem, key: server.key } }
      - connect: { as: c, to: "tls://127.0.0.1:\${srv.port}", tls: { ca: ca.pem, servername: localhost } }
      - accept: { on: srv, as: s }
      - send: { on: c, text: "hello\\n" }
      - expect: { on: s, line: hello }
      - send: { on: s, text: "welcome\\n" }
      - expect: { on: c, line: welcome }
  - name: a client that does not
    steps:
      - listen: { as: srv, tls: { cert: server.pem, key: server.key } }
      - connect: { as: c, to: "tls://127.0.0.1:\${srv.port}", tls: { servername: localhost }, fails: handshake }
      - accept: { on: srv, as: s }
`,
        certs,
      );
      assertEquals(result.scenarios[0]!.status, "passed");
      const refused = failureOf(result.scenarios[1]!);
      assertEquals(refused.reason, "handshake");
      assertEquals(
        refused.message,
        `The TLS handshake with a client of "srv" failed: received fatal alert: UnknownCA`,
      );
    }),
);

testWithTools(
  ["openssl"],
  "serve --tls-cert --tls-key serves a reference server over TLS",
  () =>
    withCertificates(async (certs) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          CLI,
          "serve",
          "upper",
          "--tls-cert",
          certs.cert,
          "--tls-key",
          certs.key,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value: first } = await reader.read();
      const port = Number(/127\.0\.0\.1:(\d+) \(tls\)\n$/.exec(first ?? "")?.[1]);
      const conn = await Deno.connectTls({
        hostname: "localhost",
        port,
        caCerts: [await Deno.readTextFile(certs.ca)],
      });
      await conn.write(new TextEncoder().encode("quiet\n"));
      const reply = new Uint8Array(6);
      let got = 0;
      while (got < 6) got += (await conn.read(reply.subarray(got))) ?? 6;
      assertEquals(new TextDecoder().decode(reply), "QUIET\n");
      conn.close();
      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
      await reader.cancel();
    }),
);

Deno.test("serve takes --tls-cert and --tls-key together", async () => {
  const run = await runParley(["serve", "echo", "--tls-cert", "x.pem"]);
  assertEquals(run.code, 2);
  assertStringIncludes(
    run.stderr,
    "--tls-cert and --tls-key go together; only --tls-cert was given",
  );
});

testWithTools(
  ["openssl"],
  "ALPN is offered, and the protocol the server chose is in the transcript",
  () =>
    withCertificates(async (certs) => {
      const listener = Deno.listenTls({
        hostname: "127.0.0.1",
        port: 0,
        cert: await Deno.readTextFile(certs.cert),
        key: await Deno.readTextFile(certs.key),
        alpnProtocols: ["parley/2", "parley/1"],
      });
      const serving = (async () => {
        for await (const conn of listener) {
          await conn.handshake().catch(() => {});
          conn.close();
        }
      })();
      try {
        const result = await run(
          `
name: alpn
target: "tls://127.0.0.1:${listener.addr.port}"
tls: { ca: ca.pem, servername: localhost, alpn: [parley/1] }
scenarios:
  - name: verified
    steps: [connect, { expect: { closed: true } }]
  - name: insecure
    steps: [{ connect: { tls: { insecure: true } } }, { expect: { closed: true } }]
`,
          certs,
        );
        const notes = result.scenarios.map((scenario) =>
          scenario.transcript.find((event) => event.kind === "note")?.detail
        );
        assertEquals(notes[0], `TLS handshake with "localhost" verified, ALPN "parley/1"`);
        assertStringIncludes(
          notes[1]!,
          `not verified (insecure): TLSv1.3, ALPN "parley/1", peer CN=localhost`,
        );
      } finally {
        listener.close();
        await serving.catch(() => {});
      }
    }),
);

Deno.test("a TLS server that never answers the handshake times out, as a timeout", async () => {
  // A plain TCP server that accepts and says nothing.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const failure = failureOf(only(
      await runText(`
name: silent
target: "tls://127.0.0.1:${listener.addr.port}"
timeout: 300ms
steps: [{ connect: { tls: true } }]
`),
    ));
    assertEquals(failure.reason, "timeout");
    assertEquals(
      failure.message,
      `Cannot connect to "127.0.0.1:${listener.addr.port}": timed out after 300ms`,
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});
