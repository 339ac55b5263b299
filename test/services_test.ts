// The suites in examples/services/ against real redis-server and memcached
// (Debian's packages; .ci/run installs them), started here on free ports.

import { assertEquals, assertMatch } from "@std/assert";
import { loadSuite, parseSuite, runSuite, type SuiteResult } from "../mod.ts";
import type { RunningProcess } from "../runner/process.ts";
import { freePort, startRedis, startService, testWithTools } from "./_helpers.ts";
import { type Certificates, makeCertificates } from "./_certs.ts";

function statuses(result: SuiteResult): string[] {
  return result.scenarios.map((scenario) =>
    `${scenario.name}: ${scenario.status}${
      scenario.status === "failed"
        ? ` (${scenario.steps.at(-1)?.failure?.message ?? scenario.note})`
        : ""
    }`
  );
}

testWithTools(["redis-server"], "the Redis suite passes against a real redis-server", async () => {
  const port = freePort();
  await using _redis = await startRedis(port);
  const result = await runSuite(await loadSuite("examples/services/redis.yaml"), {
    env: (name) => name === "REDIS_PORT" ? String(port) : undefined,
  });
  assertEquals(statuses(result), [
    "an inline command: passed",
    "array commands set and read a value: passed",
    "an unknown command is an error reply: passed",
    "a published message reaches a subscriber: passed",
  ]);
});

testWithTools(
  ["memcached"],
  "the memcached suites pass against a real memcached, over TCP and UDP",
  async () => {
    const port = freePort();
    const udpPort = freePort();
    await using _memcached = await startService(
      ["memcached", "-u", "root", "-l", "127.0.0.1", "-p", String(port), "-U", String(udpPort)],
      port,
    );
    const env = (name: string): string | undefined =>
      ({ MEMCACHED_PORT: String(port), MEMCACHED_UDP_PORT: String(udpPort) } as Record<
        string,
        string
      >)[name];
    const tcp = await runSuite(await loadSuite("examples/services/memcached.yaml"), { env });
    assertEquals(statuses(tcp), [
      "set, get and delete: passed",
      "incr counts: passed",
      "a malformed command is an error: passed",
      "the version answers: passed",
    ]);
    const udp = await runSuite(await loadSuite("examples/services/memcached_udp.yaml"), { env });
    assertEquals(statuses(udp), ["version over one datagram: passed", "a miss is END: passed"]);
  },
);

Deno.test("a suite whose service never comes up fails once, with one clear error", async () => {
  const port = freePort();
  const result = await runSuite(parseSuite(`
name: waits
target: "tcp://127.0.0.1:${port}"
wait: { for: "tcp://127.0.0.1:${port}", timeout: 300ms }
scenarios:
  - name: a
    steps: [connect]
  - name: b
    steps: [connect]
`));
  assertMatch(
    result.error ?? "",
    new RegExp(
      `^"tcp://127\\.0\\.0\\.1:${port}" did not accept connections within 300ms \\(last error: .*refused`,
    ),
  );
  assertEquals(result.scenarios.map((scenario) => [scenario.status, scenario.steps.length]), [
    ["failed", 0],
    ["failed", 0],
  ]);
});

testWithTools(["redis-server"], "wait lets a service that starts late be tested", async () => {
  const port = freePort();
  const suite = parseSuite(`
name: late
target: "tcp://127.0.0.1:${port}"
wait: { for: "tcp://127.0.0.1:${port}", timeout: 10s }
steps:
  - connect
  - send: "PING\\r\\n"
  - expect: "+PONG\\r\\n"
`);
  const running = runSuite(suite);
  // The service starts only once the suite is already waiting for it.
  await using _redis = await startRedis(port);
  assertEquals(statuses(await running), ["late: passed"]);
});

/** redis-server on a TLS port only, with the test's certificates. */
function startRedisTls(
  certs: Certificates,
  port: number,
  authClients: "yes" | "no",
): Promise<RunningProcess> {
  return startService(
    [
      "redis-server",
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--tls-cert-file",
      certs.cert,
      "--tls-key-file",
      certs.key,
      "--tls-ca-cert-file",
      certs.ca,
      "--tls-auth-clients",
      authClients,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    port,
  );
}

testWithTools(
  ["redis-server", "openssl"],
  "the Redis TLS suite passes against a real redis-server --tls-port",
  async () => {
    const certs = await makeCertificates();
    try {
      const port = freePort();
      await using _redis = await startRedisTls(certs, port, "no");
      const result = await runSuite(await loadSuite("examples/services/redis_tls.yaml"), {
        env: (name) =>
          ({ REDIS_TLS_PORT: String(port), REDIS_TLS_CA: certs.ca } as Record<string, string>)[
            name
          ],
      });
      assertEquals(statuses(result), [
        "a verified connection answers PING: passed",
        "an insecure connection works beside a verified one: passed",
        "a certificate for another name is refused: passed",
      ]);
    } finally {
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
);

testWithTools(
  ["dnsmasq"],
  "the DNS suite passes against a real dnsmasq, over UDP and framed TCP",
  async () => {
    const port = freePort();
    await using _dnsmasq = await startService(
      [
        "dnsmasq",
        "--no-daemon",
        `--port=${port}`,
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        "--pid-file=",
        "--address=/parley.test/10.1.2.3",
        // As root dnsmasq would switch to "nobody"; stay who we are.
        ...(Deno.uid() === 0 ? ["--user=root"] : []),
      ],
      port,
    );
    const result = await runSuite(await loadSuite("examples/services/dns.yaml"), {
      env: (name) => name === "DNS_PORT" ? String(port) : undefined,
    });
    assertEquals(statuses(result), [
      "an A query over UDP is answered with its id: passed",
      "DNS over TCP, one frame per message, with any flags and TTL: passed",
      "a field captured from one answer is sent in the next query: passed",
    ]);
  },
);

testWithTools(
  ["mosquitto"],
  "the MQTT suite passes against a real mosquitto: CONNACK, SUBACK, a PUBLISH across connections",
  async () => {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "parley-mqtt-" });
    try {
      await Deno.writeTextFile(
        `${dir}/mosquitto.conf`,
        `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
      );
      await using _broker = await startService(["mosquitto", "-c", `${dir}/mosquitto.conf`], port);
      const result = await runSuite(await loadSuite("examples/services/mqtt.yaml"), {
        env: (name) => name === "MQTT_PORT" ? String(port) : undefined,
      });
      assertEquals(statuses(result), [
        "CONNECT is answered with CONNACK, accepted: passed",
        "a PUBLISH reaches a subscriber on another connection: passed",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** The uid of a user, from the system's database. */
function uidOf(user: string): number | undefined {
  const line = Deno.readTextFileSync("/etc/passwd").split("\n")
    .find((entry) => entry.startsWith(`${user}:`));
  return line === undefined ? undefined : Number(line.split(":")[2]);
}

testWithTools(
  ["postgres", "initdb", "openssl", ...(Deno.uid() === 0 ? ["runuser"] : [])],
  "PostgreSQL's SSLRequest is answered S by a real postgres, and starttls upgrades the connection",
  async () => {
    // postgres refuses to run as root: as root, run it as the postgres user.
    const asRoot = Deno.uid() === 0;
    const owner = asRoot ? uidOf("postgres") : undefined;
    if (asRoot && owner === undefined) throw new Error("Running as root needs a postgres user");
    const as = asRoot ? ["runuser", "-u", "postgres", "--"] : [];
    const certs = await makeCertificates();
    const dir = await Deno.makeTempDir({ prefix: "parley-pg-" });
    try {
      await Deno.copyFile(certs.cert, `${dir}/server.pem`);
      await Deno.copyFile(certs.key, `${dir}/server.key`);
      await Deno.chmod(`${dir}/server.key`, 0o600);
      if (owner !== undefined) {
        for (const path of [dir, `${dir}/server.pem`, `${dir}/server.key`]) {
          await Deno.chown(path, owner, null);
        }
      }
      const init = await new Deno.Command(as[0] ?? "initdb", {
        args: [
          ...as.slice(1),
          ...(asRoot ? ["initdb"] : []),
          "-D",
          `${dir}/data`,
          "-A",
          "trust",
          "-U",
          "postgres",
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!init.success) throw new Error(`initdb failed: ${new TextDecoder().decode(init.stderr)}`);
      const port = freePort();
      await using _postgres = await startService(
        [
          ...as,
          "postgres",
          "-D",
          `${dir}/data`,
          "-p",
          String(port),
          "-k",
          dir,
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "ssl=on",
          "-c",
          `ssl_cert_file=${dir}/server.pem`,
          "-c",
          `ssl_key_file=${dir}/server.key`,
        ],
        port,
      );
      const result = await runSuite(await loadSuite("examples/services/postgres_tls.yaml"), {
        env: (name) => ({ PG_PORT: String(port), PG_CA: certs.ca } as Record<string, string>)[name],
      });
      assertEquals(statuses(result), [
        "SSLRequest is answered S, and the connection upgrades to TLS: passed",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
);

testWithTools(
  ["redis-server", "openssl"],
  "a client certificate is presented to redis-server --tls-auth-clients yes, and a client without one is refused",
  async () => {
    const certs = await makeCertificates();
    try {
      const port = freePort();
      await using _redis = await startRedisTls(certs, port, "yes");
      const result = await runSuite(parseSuite(
        `
name: client certificates
target: "tls://127.0.0.1:${port}"
tls: { ca: ca.pem, servername: localhost }
scenarios:
  - name: with a client certificate
    steps:
      - connect: { tls: { cert: client.pem, key: client.key } }
      - send: "PING\\r\\n"
      - expect: "+PONG\\r\\n"
  - name: without one
    steps:
      - connect
      - send: "PING\\r\\n"
      - expect: { closed: reset }
`,
        { file: `${certs.dir}/client.yaml` },
      ));
      assertEquals(statuses(result), [
        "with a client certificate: passed",
        "without one: passed",
      ]);
    } finally {
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
);
