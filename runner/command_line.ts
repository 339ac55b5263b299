/**
 * Command lines split like a POSIX shell splits words, without a shell:
 * no globbing, pipes or expansions, so what is written is what runs.
 *
 * @module
 */

/**
 * Splits a command line into arguments. Whitespace separates arguments;
 * `'…'` keeps everything literally; `"…"` keeps whitespace and honours
 * `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes escapes the next
 * character.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitCommandLine } from "./command_line.ts";
 * assertEquals(splitCommandLine(`python3 "my server.py" --name 'a b'`), ["python3", "my server.py", "--name", "a b"]);
 * ```
 *
 * @param line The command line.
 * @returns The arguments.
 * @throws {SyntaxError} When a quote is not closed or the line is empty.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new SyntaxError(`Unclosed ' in command line ${JSON.stringify(line)}`);
      current += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (char === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length && `"\\$\``.includes(line[j + 1]!)) j++;
        current += line[j] ?? "";
      }
      if (j >= line.length) {
        throw new SyntaxError(`Unclosed " in command line ${JSON.stringify(line)}`);
      }
      inWord = true;
      i = j;
    } else if (char === "\\" && i + 1 < line.length) {
      current += line[++i] ?? "";
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) args.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  if (args.length === 0) throw new SyntaxError(`Empty command line ${JSON.stringify(line)}`);
  return args;
}
