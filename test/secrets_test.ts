// Secrets never appear in any output: every reporter, transcripts, expected
// and received values, command lines and process output show `***`.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runParley } from "./_helpers.ts";

const TOKEN = "tok-5ecret-value";
const LISTED = "listed-s3cret";
const PASSWORD = "pa55-w0rd-x";

Deno.test("secret values never appear in any reporter's output", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/secrets.yaml`;
    await Deno.writeTextFile(
      path,
      `name: secrets
server: echo
vars:
  token: "\${env.MY_API_TOKEN}"
  listed: "\${env.PLAIN_VALUE}"
secrets: [listed]
scenarios:
  - name: sends secrets and fails
    points: 1
    steps:
      - connect
      - send: "login \${token} \${listed} \${env.DB_PASSWORD}\\n"
      - expect: "login \${token} \${listed} nope\\n"
  - name: a process with a secret on its command line
    points: 1
    steps:
      - spawn: { as: tool, run: ["sh", "-c", "echo out \${token}; echo err \${listed} >&2; exit 3", "\${token}"] }
      - expect: { on: tool, line: "never \${token}" }
`,
    );
    const reporters = ["json", "junit", "tap", "html", "gradescope"];
    const { code, stdout, stderr } = await runParley(
      [
        "run",
        path,
        "--reporter",
        "pretty",
        ...reporters.flatMap((name) => ["--reporter", `${name}=${dir}/report.${name}`]),
      ],
      {
        MY_API_TOKEN: TOKEN,
        PLAIN_VALUE: LISTED,
        DB_PASSWORD: PASSWORD,
        GITHUB_ACTIONS: "true",
      },
    );
    assertEquals(code, 1);
    const outputs: Record<string, string> = { stdout, stderr };
    for (const name of reporters) {
      outputs[name] = await Deno.readTextFile(`${dir}/report.${name}`);
    }
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of [TOKEN, LISTED, PASSWORD]) {
        assert(!text.includes(secret), `${name} shows "${secret}"`);
      }
    }
    // Masked, not dropped: the reports still show where the secrets were.
    assertStringIncludes(stdout, `→ "login *** *** ***\\n"`);
    assertStringIncludes(stdout, `expected: "login *** *** nope\\n"`);
    assertStringIncludes(stdout, `tool: sh -c "echo out ***; echo err *** >&2; exit 3" ***`);
    assertStringIncludes(stdout, "out ***");
    assertStringIncludes(stdout, "err ***");
    // GitHub annotations too.
    assertStringIncludes(stdout, "::error file=");
    // The JSON keeps bytes in base64 as well: masked before encoding.
    const json = JSON.parse(outputs.json!);
    const sent = json.suites[0]!.scenarios[0]!.transcript.find((event: { kind: string }) =>
      event.kind === "send"
    );
    assertEquals(atob(sent.bytes.base64), "login *** *** ***\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("short values of variables named like secrets are not masked everywhere", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/short.yaml`;
    await Deno.writeTextFile(
      path,
      `name: short\nserver: echo\nsteps: [connect, { send: "plus us\\n" }, { expect: "minus\\n" }]\n`,
    );
    const { code, stdout } = await runParley(["run", path], { KEYMAP: "us", API_KEY: "plus" });
    assertEquals(code, 1);
    // "plus" (4 characters) is masked, "us" (2) is not.
    assertStringIncludes(stdout, `→ "*** us\\n"`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a secret variable is masked even when the program under test fails to start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/start.yaml`;
    await Deno.writeTextFile(
      path,
      `name: start
vars: { pw: "\${env.PLAIN_VALUE}" }
secrets: [pw]
spawn: { run: ["sh", "-c", "echo starting with \${pw}; exit 4"] }
steps: [connect]
`,
    );
    const { code, stdout } = await runParley(["run", path], { PLAIN_VALUE: LISTED });
    assertEquals(code, 1);
    assert(!stdout.includes(LISTED), stdout);
    assertStringIncludes(stdout, `program under test: sh -c "echo starting with ***; exit 4"`);
    assertStringIncludes(stdout, "stdout:\n          starting with ***\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
