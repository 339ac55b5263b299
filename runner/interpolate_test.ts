import { assertEquals, assertThrows } from "@std/assert";
import { escapeRegex, interpolate, parseTemplate, UndefinedVariableError } from "./interpolate.ts";

Deno.test("interpolate fills in variables", () => {
  assertEquals(interpolate("${a}-${b}", { a: "1", b: "2" }), "1-2");
  assertEquals(interpolate("no vars", {}), "no vars");
  assertEquals(interpolate("cost $5", {}), "cost $5");
});

Deno.test("interpolate writes a literal ${ for $${", () => {
  assertEquals(interpolate("$${a} ${a}", { a: "x" }), "${a} x");
});

Deno.test("interpolate fails on an undefined variable", () => {
  const error = assertThrows(
    () => interpolate("Online users: ${who}", { port: "1" }),
    UndefinedVariableError,
    `Undefined variable "who" in "Online users: \${who}"; defined: "port"`,
  );
  assertEquals(error.variable, "who");
});

Deno.test("interpolate reads the environment with a default", () => {
  const env = (name: string) => ({ HOST: "db" } as Record<string, string>)[name];
  assertEquals(interpolate("${env.HOST:-localhost}:${env.PORT:-6379}", {}, { env }), "db:6379");
  assertThrows(
    () => interpolate("${env.PORT}", {}, { env }),
    UndefinedVariableError,
    `Environment variable "PORT" is not set and "\${env.PORT}" has no default (write "\${env.PORT:-value}")`,
  );
});

Deno.test("interpolate escapes values when asked", () => {
  assertEquals(interpolate("^${a}$", { a: "a.b" }, { escape: escapeRegex }), "^a\\.b$");
});

Deno.test("parseTemplate rejects an unclosed reference and a bad name", () => {
  assertThrows(() => parseTemplate("x ${a"), SyntaxError, `Unclosed "\${" in "x \${a"`);
  assertThrows(() => parseTemplate("${1a}"), SyntaxError, `Invalid variable name "1a" in "\${1a}"`);
});

Deno.test("filters transform a value: upper and lower; another is a syntax error", () => {
  assertEquals(interpolate("${who|upper} ${who | lower}", { who: "Ada" }), "ADA ada");
  assertEquals(interpolate("${missing|upper:-none}", {}), "NONE");
  assertThrows(
    () => interpolate("${who|title}", { who: "ada" }),
    SyntaxError,
    `Unknown filter "title" in "\${who|title}" (filters: "upper", "lower")`,
  );
});
