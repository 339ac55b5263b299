/**
 * YAML parsing that remembers where each mapping key and sequence item sits,
 * so validation errors and failure reports can point at a line.
 *
 * @module
 */

import { parse } from "@std/yaml";
import { LoaderState } from "@std/yaml/unstable-loader-state";
import { SCHEMA_MAP } from "@std/yaml/unstable-schema";

/** Where a YAML document came from and what it holds. */
export interface YamlDocument {
  /** The parsed value; narrowed by validation. */
  readonly value: unknown;
  /** The text it was parsed from. */
  readonly text: string;
  /**
   * The 1-based line of a mapping key or a sequence item, when known.
   *
   * @param container The mapping or sequence that holds the entry.
   * @param key The key or index of the entry.
   */
  lineOf(container: unknown, key: string | number): number | undefined;
  /**
   * The 1-based column of a mapping key (or of a sequence item's value), when known.
   *
   * @param container The mapping or sequence that holds the entry.
   * @param key The key or index of the entry.
   */
  columnOf(container: unknown, key: string | number): number | undefined;
}

/** A YAML text that cannot be parsed. */
export class YamlSyntaxError extends SyntaxError {
  /** The 1-based line of the problem, when the parser gives it. */
  readonly line: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong.
   * @param line The 1-based line of the problem.
   * @param options The underlying parser error.
   */
  constructor(message: string, line: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = "YamlSyntaxError";
    this.line = line;
  }
}

interface ComposedNode {
  result: unknown;
}

interface LoaderInternals {
  line: number;
  readAlias(): unknown;
  readDocuments(options: { singleDocument: boolean }): Iterator<unknown>;
  composeNode(...args: unknown[]): ComposedNode | undefined;
  storeMappingPair(...args: unknown[]): unknown;
}

type LoaderConstructor = new (input: string, options: { schema: unknown }) => LoaderInternals;

type LineTable = Map<string | number, number>;

/** The most values that aliases may expand to in one document. */
export const MAX_ALIAS_EXPANSION = 100_000;

/** A document whose aliases would expand beyond {@linkcode MAX_ALIAS_EXPANSION}. */
class AliasBombError extends RangeError {
  readonly line: number;

  constructor(line: number) {
    super(
      `Aliases expand to more than ${MAX_ALIAS_EXPANSION} values (nested aliases multiply, as in a "billion laughs" document); a suite needs far fewer`,
    );
    this.name = "AliasBombError";
    this.line = line;
  }
}

/** The deepest nesting of lists and mappings read: far more than a suite needs. */
export const MAX_DEPTH = 100;

/** A document nested deeper than {@linkcode MAX_DEPTH}. */
class DepthError extends RangeError {
  readonly line: number;

  constructor(line: number) {
    super(`Lists and mappings are nested more than ${MAX_DEPTH} levels deep`);
    this.name = "DepthError";
    this.line = line;
  }
}

/**
 * Counts what aliases expand to. The parser shares the aliased value instead
 * of copying it, so parsing stays cheap, but everything that walks the value
 * (validation, printing a step) would pay for every expansion.
 */
class AliasBudget {
  readonly #sizes = new WeakMap<object, number>();
  #spent = 0;

  spend(value: unknown, line: number): void {
    this.#spent += this.#size(value);
    if (this.#spent > MAX_ALIAS_EXPANSION) throw new AliasBombError(line);
  }

  /** Values in `value`, aliases expanded; stops counting past the budget. */
  #size(value: unknown): number {
    if (typeof value !== "object" || value === null) return 1;
    const known = this.#sizes.get(value);
    if (known !== undefined) return known;
    let size = 1;
    for (const item of Object.values(value)) {
      size += this.#size(item);
      if (size > MAX_ALIAS_EXPANSION) break;
    }
    this.#sizes.set(value, size);
    return size;
  }
}

/**
 * The std parser keeps positions to itself; a subclass of its loader records
 * the line of every mapping key and sequence item as it goes. The loader is
 * std's internal class, so when it is not what we expect we fall back to the
 * public parser and report no lines rather than fail.
 */
function createPositionLoader(
  text: string,
  tables: WeakMap<object, LineTable>,
): LoaderInternals | undefined {
  if (typeof LoaderState !== "function" || !(SCHEMA_MAP instanceof Map)) return undefined;
  const Loader = LoaderState as unknown as LoaderConstructor;
  const proto = Loader.prototype as unknown as Record<string, unknown>;
  if (
    typeof proto.composeNode !== "function" || typeof proto.storeMappingPair !== "function" ||
    typeof proto.readAlias !== "function"
  ) {
    return undefined;
  }
  const budget = new AliasBudget();
  const frames: number[][] = [];
  function table(container: object): LineTable {
    let lines = tables.get(container);
    if (lines === undefined) {
      lines = new Map();
      tables.set(container, lines);
    }
    return lines;
  }
  class PositionLoader extends Loader {
    override composeNode(...args: unknown[]): ComposedNode | undefined {
      if (frames.length >= MAX_DEPTH) throw new DepthError(this.line + 1);
      frames.at(-1)?.push(this.line + 1);
      const children: number[] = [];
      frames.push(children);
      try {
        const node = super.composeNode(...args);
        const result = node?.result;
        if (Array.isArray(result) && result.length === children.length) {
          const lines = table(result);
          children.forEach((line, index) => lines.set(index, line));
        }
        return node;
      } finally {
        frames.pop();
      }
    }
    override readAlias(): unknown {
      const value = super.readAlias();
      budget.spend(value, this.line + 1);
      return value;
    }
    override storeMappingPair(...args: unknown[]): unknown {
      const [result, , , key, , startLine] = args;
      if (typeof result === "object" && result !== null && typeof key === "string") {
        table(result).set(key, typeof startLine === "number" ? startLine + 1 : this.line + 1);
      }
      return super.storeMappingPair(...args);
    }
  }
  return new PositionLoader(text, { schema: SCHEMA_MAP.get("default") });
}

/**
 * Parses one YAML document, keeping the line of every key and item.
 *
 * @example Find the line of the second item
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseYaml } from "./yaml.ts";
 * const doc = parseYaml("steps:\n  - connect\n  - close\n");
 * const steps = (doc.value as { steps: unknown[] }).steps;
 * assert(doc.lineOf(steps, 1) === 3);
 * ```
 *
 * @param text The YAML text.
 * @returns The parsed document with its line table.
 * @throws {YamlSyntaxError} When the text is not valid YAML.
 */
export function parseYaml(text: string): YamlDocument {
  const tables = new WeakMap<object, LineTable>();
  let lines: string[] | undefined;
  let value: unknown;
  try {
    const loader = createPositionLoader(prepare(text), tables);
    if (loader === undefined) {
      value = parse(text) as unknown;
    } else {
      const documents = loader.readDocuments({ singleDocument: true });
      const first = documents.next();
      documents.next();
      value = first.done ? null : first.value ?? null;
    }
  } catch (error) {
    const at = (error as { line?: unknown }).line;
    const line = typeof at === "number" ? at : undefined;
    const message = error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error);
    const hint = syntaxHint(text, line);
    throw new YamlSyntaxError(
      `Invalid YAML: ${message.replace(/ at line \d+, column \d+:?$/, "")}${
        hint === undefined ? "" : `; ${hint}`
      }`,
      line,
      { cause: error },
    );
  }
  return {
    value,
    text,
    lineOf(container: unknown, key: string | number): number | undefined {
      if (typeof container !== "object" || container === null) return undefined;
      return tables.get(container)?.get(key);
    },
    columnOf(container: unknown, key: string | number): number | undefined {
      if (typeof container !== "object" || container === null) return undefined;
      const line = tables.get(container)?.get(key);
      if (line === undefined) return undefined;
      lines ??= text.split(/\r?\n/);
      return columnIn(lines[line - 1] ?? "", key);
    },
  };
}

/**
 * A hint for the usual causes of a YAML syntax error, looked for on the
 * line the parser stopped at (and the one before, where a flow collection
 * began): a tab in the indentation, `: ` inside a plain value, and `${` in
 * a flow mapping, where `{` starts a mapping unless the value is quoted.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { syntaxHint } from "./yaml.ts";
 * assertEquals(
 *   syntaxHint("steps:\n  - send: a: b\n", 2),
 *   `quote the value on line 2: a plain value cannot contain ": "`,
 * );
 * ```
 *
 * @param text The document.
 * @param line The 1-based line of the error, when known.
 * @returns The hint, or `undefined`.
 */
export function syntaxHint(text: string, line: number | undefined): string | undefined {
  const lines = text.split(/\r?\n/);
  const tabbed = lines.findIndex((entry) => /^[ ]*\t/.test(entry));
  if (tabbed !== -1) {
    return `YAML indents with spaces, not tabs (line ${tabbed + 1} starts with a tab)`;
  }
  if (line === undefined) return undefined;
  for (const number of [line, line - 1]) {
    const entry = lines[number - 1];
    if (entry === undefined) continue;
    if (/\{[^}]*:\s*\$\{/.test(entry)) {
      return `quote values that contain "\${" in a { … } mapping on line ${number}, like { text: "\${name}" }: unquoted, "{" starts a mapping`;
    }
    // A plain (unquoted) value that itself holds ": ", in a block or a flow mapping.
    if (
      /^\s*(-\s+)?[^\s"'{[#][^:]*:\s+[^\s"'{[|>&*!#][^#]*?:\s/.test(entry) ||
      /\{[^}]*:\s+[^\s"'{[,}][^,}"']*:\s/.test(entry)
    ) {
      return `quote the value on line ${number}: a plain value cannot contain ": "`;
    }
  }
  return undefined;
}

/**
 * Where an entry starts on its line: a key (`timout:` in `{ line: x, timout: 1s }`)
 * or a sequence item's value (after `- `).
 */
function columnIn(line: string, key: string | number): number | undefined {
  if (typeof key === "number") {
    const item = /^(\s*-\s+)/.exec(line);
    return item === null ? undefined : item[1]!.length + 1;
  }
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`(^|[\\s{,?-])(["']?)${escaped}\\2\\s*:`).exec(line);
  return match === null ? undefined : match.index + match[1]!.length + 1;
}

/** The same clean-up the public parser does before loading. */
function prepare(text: string): string {
  let input = text;
  if (input.length > 0 && !/[\n\r]$/.test(input)) input += "\n";
  if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
  return input;
}
