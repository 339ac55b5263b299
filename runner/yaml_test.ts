import { assertEquals } from "@std/assert";
import { InvalidSuiteError, parseSuite } from "../mod.ts";

function problems(yaml: string): string[] {
  try {
    parseSuite(yaml, { file: "s.yaml" });
  } catch (error) {
    if (error instanceof InvalidSuiteError) {
      return error.issues.map((issue) => `${issue.line}: ${issue.message}`);
    }
    throw error;
  }
  throw new Error("Expected the suite to be invalid");
}

Deno.test("a tab in the indentation gets a hint", () => {
  assertEquals(problems("name: x\nserver: echo\nsteps:\n  - connect\n\t- close\n"), [
    "5: Invalid YAML: Cannot read document: end of the stream or a document separator is expected; YAML indents with spaces, not tabs (line 5 starts with a tab)",
  ]);
});

Deno.test("an unquoted ': ' in a plain value gets a hint", () => {
  assertEquals(problems("name: x\nserver: echo\nsteps:\n  - send: hello: world\n"), [
    `4: Invalid YAML: Cannot read block sequence: bad indentation of a sequence entry; quote the value on line 4: a plain value cannot contain ": "`,
  ]);
  assertEquals(problems("name: x\nserver: echo\nsteps:\n  - expect: { line: a: b }\n"), [
    `4: Invalid YAML: Cannot read flow collection: missing comma between flow collection entries; quote the value on line 4: a plain value cannot contain ": "`,
  ]);
});

Deno.test("an unquoted ${ in a flow mapping gets a hint", () => {
  assertEquals(problems("name: x\nserver: echo\nsteps:\n  - send: { text: ${x} }\n"), [
    `4: Invalid YAML: Cannot read flow collection: missing comma between flow collection entries; quote values that contain "\${" in a { … } mapping on line 4, like { text: "\${name}" }: unquoted, "{" starts a mapping`,
  ]);
});

Deno.test("a syntax error with no usual cause gets no hint", () => {
  assertEquals(problems("name: x\nserver: echo\nsteps:\n  - send: [unclosed\n"), [
    "5: Invalid YAML: Cannot read flow collection: unexpected end of the stream within a flow collection",
  ]);
});
