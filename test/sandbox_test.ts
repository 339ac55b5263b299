// `sandbox: true` for real: programs run under bubblewrap, probing what
// they can see and write, and the errors a grader gets when it cannot work.

import { assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { InvalidSuiteError, parseSuite } from "../mod.ts";
import { runParley, runSandboxed, testWithTools } from "./_helpers.ts";

/**
 * A server that, to each client, reports what it could do from where it
 * runs: one JSON line, then it echoes.
 */
const PROBE = `import json, os, socket, sys
def can(action):
    try:
        action()
        return "yes"
    except OSError:
        return "no"
def write(path):
    with open(path, "w") as f:
        f.write("x")
seen = {
    "read_suite": can(lambda: open(sys.argv[2]).read()),
    "write_own": can(lambda: write("own.txt")),
    "write_usr": can(lambda: write("/usr/parley-sandbox-probe")),
    "write_suite_dir": can(lambda: write(os.path.join(os.path.dirname(sys.argv[2]), "planted"))),
    "home": sorted(os.listdir(os.environ["HOME"])) if os.path.isdir(os.environ["HOME"]) else "absent",
    "host_tmp": can(lambda: open(sys.argv[3]).read()),
    "write_tmp": can(lambda: write("/tmp/scratch")),
}
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, _ = server.accept()
    with conn:
        conn.sendall((json.dumps(seen) + "\\n").encode())
        while data := conn.recv(4096):
            conn.sendall(data)
`;

/** A suite folder holding one submission, `subs/ada`, with the probe in it. */
async function classFolder(suite: string): Promise<{ dir: string; submission: string }> {
  const dir = await Deno.makeTempDir({ prefix: "parley-sandbox-" });
  const submission = `${dir}/subs/ada`;
  await Deno.mkdir(submission, { recursive: true });
  await Deno.writeTextFile(`${submission}/probe.py`, PROBE);
  await Deno.writeTextFile(`${dir}/suite.yaml`, suite);
  return { dir, submission };
}

testWithTools(
  ["bwrap", "python3"],
  "a sandboxed program writes only its submission, cannot see the suite or the home, and still serves on loopback",
  async () => {
    const { dir, submission } = await classFolder(`name: sandbox
spawn:
  run: [python3, "\${submission}/probe.py", "\${port}", "\${suite}", "\${host_file}"]
  sandbox: true
timeout: 5s
scenarios:
  - name: what it saw
    steps:
      - connect
      - expect:
          line:
            json: { read_suite: "no", write_own: "yes", write_usr: "no", write_suite_dir: "no", home: [], host_tmp: "no", write_tmp: "yes" }
      - send: "ping\\n"
      - expect: { line: ping }
`);
    const hostFile = await Deno.makeTempFile({ prefix: "parley-host-" });
    try {
      const run = await runSandboxed([
        `${dir}/suite.yaml`,
        "--var",
        `submission=${submission}`,
        "--var",
        `suite=${dir}/suite.yaml`,
        "--var",
        `host_file=${hostFile}`,
      ]);
      assertStringIncludes(run.stdout, "1 passed");
      assertEquals(run.code, 0);
      // It wrote its own folder, and nothing else.
      assertEquals(await Deno.readTextFile(`${submission}/own.txt`), "x");
      assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name).sort(), [
        "subs",
        "suite.yaml",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(hostFile);
    }
  },
);

testWithTools(
  ["bwrap", "python3"],
  "a sandboxed program killed by its CPU limit is told as such, not as exit code 152",
  async () => {
    const { dir, submission } = await classFolder(`name: spinner
spawn:
  run: [python3, -c, "import socket, sys\\ns = socket.socket()\\ns.bind(('127.0.0.1', int(sys.argv[1])))\\ns.listen()\\nwhile True: pass", "\${port}"]
  cwd: \${submission}
  sandbox: true
  limits: { cpu: 1s }
timeout: 10s
scenarios:
  - name: never answers
    steps: [connect, { expect: { line: never } }]
`);
    try {
      const run = await runSandboxed([
        `${dir}/suite.yaml`,
        "--var",
        `submission=${submission}`,
        "--reporter",
        "json",
      ]);
      assertEquals(run.code, 1, run.stderr);
      const report = JSON.parse(run.stdout);
      assertMatch(
        report.suites[0].scenarios[0].steps[1].failure.message,
        /^The program under test killed by SIGXCPU: it exceeded its CPU time limit of 1s \d+(\.\d+)?(ms|s) into this step/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

testWithTools(
  ["bwrap", "python3"],
  "what a sandboxed program leaves running dies with it",
  async () => {
    const { dir, submission } = await classFolder(`name: daemon
steps:
  - spawn:
      run: [sh, -c, "setsid sleep 300 & echo started"]
      cwd: \${submission}
      sandbox: true
  - expect: { line: started }
  - exit: { code: 0 }
`);
    try {
      const before = sleepers();
      const run = await runSandboxed([`${dir}/suite.yaml`, "--var", `submission=${submission}`]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(sleepers().filter((pid) => !before.includes(pid)), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** Processes running `sleep 300`. */
function sleepers(): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const command = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (command === "sleep\u0000300\u0000") found.push(entry.name);
    } catch {
      // Gone already.
    }
  }
  return found;
}

/**
 * Runs a suite whose program cannot start in its sandbox, and checks that
 * the run is a set-up error (exit 2) with this message.
 */
async function assertSetupError(
  suite: string,
  message: (dir: string) => string,
  options: { env?: (dir: string) => Promise<Record<string, string>>; sandboxed?: boolean } = {},
): Promise<void> {
  const { dir, submission } = await classFolder(suite);
  try {
    const env = await options.env?.(dir) ?? {};
    const args = [`${dir}/suite.yaml`, "--var", `submission=${submission}`];
    const run = options.sandboxed === false
      ? await runParley(args, env)
      : await runSandboxed(args, env);
    assertEquals(run.code, 2, run.stderr);
    assertStringIncludes(run.stdout, message(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A folder of commands in the suite's folder, put first on PATH (or alone, with `only`). */
async function commands(
  dir: string,
  scripts: Record<string, string>,
  only = false,
): Promise<Record<string, string>> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  for (const [name, script] of Object.entries(scripts)) {
    await Deno.writeTextFile(`${bin}/${name}`, script);
    await Deno.chmod(`${bin}/${name}`, 0o755);
  }
  return { PATH: only ? bin : `${bin}:${Deno.env.get("PATH")}` };
}

testWithTools(
  ["bwrap", "python3"],
  "a sandbox whose working directory would be hidden is a set-up error",
  () =>
    assertSetupError(
      `name: hidden cwd
spawn: { run: [python3, probe.py, "\${port}", x], cwd: ., sandbox: true }
scenarios:
  - name: never starts
    steps: [connect]
`,
      (dir) =>
        `Cannot run "python3" in a sandbox: its working directory "${dir}" is hidden in the sandbox`,
    ),
);

testWithTools(
  ["python3"],
  "without bwrap, sandbox: true is a set-up error that names the package",
  () =>
    assertSetupError(
      `name: no bwrap
spawn: { run: [python3, probe.py, "\${port}", x], sandbox: true }
scenarios:
  - name: never starts
    steps: [connect]
`,
      () =>
        `Cannot run "python3" in a sandbox: "bwrap" is not installed (it comes in the bubblewrap package)`,
      {
        sandboxed: false,
        // A PATH with a python3 (never run: the check comes first) and nothing else.
        env: (dir) => commands(dir, { python3: "#!/bin/sh\n" }, true),
      },
    ),
);

testWithTools(
  ["python3"],
  "a bwrap that cannot make a sandbox here is a set-up error with what it said",
  () =>
    assertSetupError(
      `name: broken bwrap
spawn: { run: [python3, probe.py, "\${port}", x], sandbox: true }
scenarios:
  - name: never starts
    steps: [connect]
`,
      () =>
        `Cannot run "python3" in a sandbox: bwrap does not work on this machine: "bwrap: No permissions to create new namespace"`,
      {
        sandboxed: false,
        // A container without user namespaces: bwrap says so and exits 1.
        env: (dir) =>
          commands(dir, {
            bwrap: `#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n`,
          }),
      },
    ),
);

Deno.test("sandbox is true or false, on the suite's spawn and a step's", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        `name: s
spawn: { run: x, sandbox: "yes" }
steps:
  - spawn: { run: y, as: helper, sandbox: 1 }
`,
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  );
  assertEquals((error as InvalidSuiteError).issues.map((issue) => [issue.line, issue.message]), [
    [2, `Expected "sandbox" to be true or false, got "yes"`],
    [4, `Expected "sandbox" to be true or false, got number 1`],
  ]);
});
