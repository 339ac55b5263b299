import { assertEquals, assertThrows } from "@std/assert";
import { splitCommandLine } from "./command_line.ts";

Deno.test("splitCommandLine splits on whitespace and honours quotes", () => {
  assertEquals(splitCommandLine("  python3   server.py 8080 "), ["python3", "server.py", "8080"]);
  assertEquals(splitCommandLine(`a "b c" 'd e' f\\ g`), ["a", "b c", "d e", "f g"]);
  assertEquals(splitCommandLine(`"a\\"b" 'a\\b' ""`), [`a"b`, "a\\b", ""]);
  assertEquals(splitCommandLine(`x"y"'z'`), ["xyz"]);
});

Deno.test("splitCommandLine rejects unclosed quotes and empty lines", () => {
  assertThrows(() => splitCommandLine(`a "b`), SyntaxError, `Unclosed " in command line "a \\"b"`);
  assertThrows(() => splitCommandLine(`a 'b`), SyntaxError, `Unclosed ' in command line "a 'b"`);
  assertThrows(() => splitCommandLine("   "), SyntaxError, `Empty command line "   "`);
});
