// A small fuzz test of loading and validation: the example files, mutated
// thousands of ways (type swaps, deleted and duplicated keys and lines, huge
// numbers, deep nesting, aliases, binary garbage). Every mutant must load or
// be refused with InvalidSuiteError: any other exception is a bug, which the
// CLI would report with exit 3.

import { assertEquals } from "@std/assert";
import { stringify } from "@std/yaml";
import { InvalidSuiteError, parseSuite } from "../mod.ts";
import { findSuiteFiles } from "../runner/run_files.ts";
import { parseYaml } from "../runner/yaml.ts";
import { reportFigure } from "./_helpers.ts";

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRANGE: unknown[] = [
  null,
  true,
  0,
  -1,
  1e400,
  5e9,
  Number.NaN,
  "",
  "${",
  "${undefined_name}",
  "\u0000\uffff",
  "x".repeat(5000),
  [],
  {},
  [[[[[]]]]],
  { steps: "connect" },
  "1000h",
  "-5s",
  ".inf",
  "tcp://host:99999",
  "(a+)+$",
  "[unclosed",
];

/** Mutates a parsed value in place: one change somewhere in the tree. */
function mutateValue(value: unknown, next: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  if (typeof value !== "object" || value === null || next() < 0.2) {
    return pick(STRANGE);
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || next() < 0.2) return [...value, pick(STRANGE)];
    const index = Math.floor(next() * value.length);
    const copy = [...value];
    const roll = next();
    if (roll < 0.15) copy.splice(index, 1);
    else if (roll < 0.3) copy.splice(index, 0, copy[index]);
    else copy[index] = mutateValue(copy[index], next);
    return copy;
  }
  const record = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(record);
  if (keys.length === 0) return { [pick(["steps", "name", "send", "x"])]: pick(STRANGE) };
  const key = pick(keys);
  const roll = next();
  if (roll < 0.15) delete record[key];
  else if (roll < 0.25) record[`${key}x`] = record[key];
  else if (roll < 0.35) {
    record[pick(["on", "as", "timeout", "times", "max_buffer", "fails"])] = pick(STRANGE);
  } else record[key] = mutateValue(record[key], next);
  return record;
}

/** Mutates the text itself: lines, bytes, aliases, nesting. */
function mutateText(text: string, next: () => number): string {
  const lines = text.split("\n");
  const at = Math.floor(next() * lines.length);
  const roll = next();
  if (roll < 0.15) lines.splice(at, 1);
  else if (roll < 0.3) lines.splice(at, 0, lines[at]!);
  else if (roll < 0.45) {
    const bytes = Array.from(
      { length: 1 + Math.floor(next() * 12) },
      () => String.fromCharCode(Math.floor(next() * 256)),
    );
    const line = lines[at]!;
    const cut = Math.floor(next() * (line.length + 1));
    lines[at] = line.slice(0, cut) + bytes.join("") + line.slice(cut);
  } else if (roll < 0.55) lines[at] = `${lines[at]} &a${Math.floor(next() * 3)}`;
  else if (roll < 0.65) lines[at] = lines[at]!.replace(/: .*$/, `: *a${Math.floor(next() * 3)}`);
  else if (roll < 0.75) {
    const depth = Math.floor(next() * 400);
    lines[at] = lines[at]!.replace(/: .*$/, `: ${"[".repeat(depth)}${"]".repeat(depth)}`);
  } else if (roll < 0.85) lines[at] = lines[at]!.replace(/\d+/, "99999999999999999999");
  else lines[at] = lines[at]!.replace(/^(\s*)/, next() < 0.5 ? "$1\t" : "$1  ");
  return lines.join("\n");
}

Deno.test("mutated example files load or are refused with a list of problems, never a crash", async () => {
  const files = await findSuiteFiles(["scenarios", "examples"]);
  const texts = await Promise.all(files.map((file) => Deno.readTextFile(file)));
  const next = random(20261122);
  let refused = 0;
  const crashes: string[] = [];
  const rounds = 2000;
  for (let round = 0; round < rounds; round++) {
    const index = Math.floor(next() * texts.length);
    let text = texts[index]!;
    const mutations = 1 + Math.floor(next() * 3);
    for (let m = 0; m < mutations; m++) {
      if (next() < 0.5) {
        text = mutateText(text, next);
      } else {
        try {
          text = stringify(mutateValue(parseYaml(text).value, next) as Record<string, unknown>);
        } catch {
          text = mutateText(text, next);
        }
      }
    }
    try {
      parseSuite(text, { file: `${files[index]}#${round}` });
    } catch (error) {
      if (error instanceof InvalidSuiteError) refused++;
      else crashes.push(`${files[index]} round ${round}: ${(error as Error).stack}\n${text}`);
    }
  }
  assertEquals(crashes.slice(0, 3), []);
  // The mutations are strong enough to break most files.
  reportFigure(`${rounds} mutants: ${refused} refused, ${rounds - refused} still valid`);
});
