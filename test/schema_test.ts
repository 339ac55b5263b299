// The JSON Schema for editors: current with the action registry, accepting
// every file Parley accepts, and rejecting typical mistakes, checked with a
// real JSON Schema validator (Ajv, JSON Schema 2020-12).

import { assert, assertEquals } from "@std/assert";
import { parse } from "@std/yaml";
import Ajv2020 from "ajv/2020";
import { loadSuite } from "../mod.ts";
import { findSuiteFiles } from "../runner/run_files.ts";
import { scenarioSchema, withGeneratedTables } from "../runner/schema.ts";
import { InvalidSuiteError } from "../runner/errors.ts";

const ROOT = new URL("../", import.meta.url);

interface Validate {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}

async function validator(): Promise<Validate> {
  const schema = JSON.parse(await Deno.readTextFile(new URL("docs/scenario.schema.json", ROOT)));
  const Ajv = Ajv2020 as unknown as new (options: Record<string, unknown>) => {
    compile(schema: unknown): Validate;
  };
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** Table rows with their cells trimmed: deno fmt aligns the columns. */
function cells(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("|")).map((line) =>
    line.split("|").map((cell) => cell.trim()).join("|").replace(/-{3,}/g, "---")
  );
}

Deno.test("the checked-in schema and action table are current with the registry (deno task schema)", async () => {
  const file = JSON.parse(await Deno.readTextFile(new URL("docs/scenario.schema.json", ROOT)));
  assertEquals(file, JSON.parse(JSON.stringify(scenarioSchema())));
  const docs = await Deno.readTextFile(new URL("docs/scenarios.md", ROOT));
  assertEquals(cells(docs), cells(withGeneratedTables(docs)));
});

Deno.test("every scenario file Parley accepts is valid against the schema", async () => {
  const validate = await validator();
  const files = await findSuiteFiles(["scenarios", "examples", "test"]);
  let checked = 0;
  for (const file of files) {
    try {
      await loadSuite(file);
    } catch (error) {
      if (error instanceof InvalidSuiteError) continue;
      throw error;
    }
    const value = parse(await Deno.readTextFile(file));
    assert(validate(value), `${file}: ${JSON.stringify(validate.errors)}`);
    checked++;
  }
  assert(checked >= 10, `only ${checked} files checked`);
});

Deno.test("the schema rejects typical mistakes", async () => {
  const validate = await validator();
  const mistakes: [string, string][] = [
    ["name: x\nserver: echo\ntimout: 2s\nsteps: [connect]\n", "an unknown suite key"],
    ["name: x\nserver: echo\nsteps:\n  - expect: { line: hi, timout: 1s }\n", "an unknown option"],
    ["name: x\nserver: echo\nsteps:\n  - sned: hi\n", "an unknown action"],
    ["name: x\nserver: echo\ntimeout: 5\nsteps: [connect]\n", "a duration without a unit"],
    ["name: x\nserver: echo\n", "no steps"],
    ["name: x\nserver: ehco\nsteps: [connect]\n", "an unknown server"],
    ["name: x\nserver: echo\nsteps:\n  - connect: { transport: sctp }\n", "a bad enum value"],
    ["name: x\nserver: echo\nsteps:\n  - repeat: { times: 0, steps: [connect] }\n", "a count of 0"],
  ];
  for (const [yaml, what] of mistakes) {
    assertEquals(validate(parse(yaml)), false, `${what} was accepted`);
  }
  // And the same shapes, written right, pass.
  assert(
    validate(
      parse(
        "name: x\nserver: echo\ntimeout: 2s\nsteps:\n  - connect\n  - expect: { line: hi, timeout: 1s }\n",
      ),
    ),
  );
});
