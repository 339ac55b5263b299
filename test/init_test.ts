// `parley init assignment`: every kind writes an assignment its own
// reference solution passes.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { CLI } from "./_helpers.ts";

function parley(...args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

for (const kind of ["server", "client", "udp"]) {
  Deno.test(`init assignment ${kind} writes an assignment its reference solution passes`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const init = await parley("init", "assignment", kind, `${dir}/lab`);
      assertEquals(init.code, 0, new TextDecoder().decode(init.stderr));
      const files = [...Deno.readDirSync(`${dir}/lab`)].map((entry) => entry.name).sort();
      assertEquals(files, [
        "README.md",
        "assignment.yaml",
        "bugs",
        kind === "client" ? "client.py" : "server.py",
      ]);
      const suite = await Deno.readTextFile(`${dir}/lab/assignment.yaml`);
      assertStringIncludes(suite, "# yaml-language-server: $schema=");
      assertStringIncludes(suite, "hidden: true");
      assertStringIncludes(suite, "points:");
      const run = await parley("run", `${dir}/lab/assignment.yaml`);
      const out = new TextDecoder().decode(run.stdout);
      assertEquals(run.code, 0, out);
      assertStringIncludes(out, " passed, 0 failed\nScore: ");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("init refuses a folder that is not empty, and an unknown kind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/keep.txt`, "mine");
    const full = await parley("init", "assignment", "server", dir);
    assertEquals(full.code, 2);
    assertStringIncludes(
      new TextDecoder().decode(full.stderr),
      `error: Cannot write into "${dir}": it is not empty`,
    );
    const unknown = await parley("init", "assignment", "sevrer", `${dir}/x`);
    assertEquals(unknown.code, 2);
    assertStringIncludes(
      new TextDecoder().decode(unknown.stderr),
      `(not "sevrer": did you mean "server"?)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
