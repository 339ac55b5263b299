/**
 * `${name}` interpolation of variables and environment variables.
 *
 * @module
 */

/** A reference to a variable that has no value. */
export class UndefinedVariableError extends ReferenceError {
  /** The name that was looked up, like `who` or `env.HOME`. */
  readonly variable: string;

  /**
   * Creates the error.
   *
   * @param message What is wrong.
   * @param variable The name that was looked up.
   */
  constructor(message: string, variable: string) {
    super(message);
    this.name = "UndefinedVariableError";
    this.variable = variable;
  }
}

/** Options for {@linkcode interpolate}. */
export interface InterpolateOptions {
  /**
   * Looks up `${env.NAME}`.
   *
   * @default {(name) => Deno.env.get(name)}
   */
  env?: (name: string) => string | undefined;
  /**
   * Transforms each substituted value, e.g. to escape it inside a regex.
   *
   * @default {(value) => value}
   */
  escape?: (value: string) => string;
}

/** One `${…}` reference in a template. */
export interface VariableReference {
  /** The variable's name, `env.NAME` for the environment. */
  readonly name: string;
  /** The text after `:-`, when given. */
  readonly fallback: string | undefined;
  /** A transformation of the value: `${name|upper}`, `${name|lower}`. */
  readonly filter?: "upper" | "lower";
}

const FILTERS = ["upper", "lower"] as const;

type Part = string | VariableReference;

const NAME = /^[A-Za-z_][\w.-]*$/;
const cache = new Map<string, Part[]>();

/**
 * Splits a template into literal text and references.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseTemplate } from "./interpolate.ts";
 * const parts = parseTemplate("Hi ${who}, $${literal}");
 * assert(parts.length === 3);
 * ```
 *
 * @param template A string that may hold `${name}`, `${env.NAME:-default}` or `$${`.
 * @returns Literal strings and references, in order.
 * @throws {SyntaxError} When a `${` is not closed or a name is malformed.
 */
export function parseTemplate(template: string): (string | VariableReference)[] {
  const cached = cache.get(template);
  if (cached !== undefined) return cached;
  const parts: Part[] = [];
  let literal = "";
  let index = 0;
  while (index < template.length) {
    const start = template.indexOf("$", index);
    if (start === -1) {
      literal += template.slice(index);
      break;
    }
    literal += template.slice(index, start);
    if (template.startsWith("$${", start)) {
      literal += "${";
      index = start + 3;
      continue;
    }
    if (template[start + 1] !== "{") {
      literal += "$";
      index = start + 1;
      continue;
    }
    const end = template.indexOf("}", start + 2);
    if (end === -1) {
      throw new SyntaxError(
        `Unclosed "\${" in ${JSON.stringify(template)}: write "$\${" for a literal "\${"`,
      );
    }
    const body = template.slice(start + 2, end);
    const separator = body.indexOf(":-");
    const head = separator === -1 ? body : body.slice(0, separator);
    const bar = head.indexOf("|");
    const name = (bar === -1 ? head : head.slice(0, bar)).trim();
    const filter = bar === -1 ? undefined : head.slice(bar + 1).trim();
    if (!NAME.test(name)) {
      throw new SyntaxError(`Invalid variable name "${name}" in ${JSON.stringify(template)}`);
    }
    if (filter !== undefined && !(FILTERS as readonly string[]).includes(filter)) {
      throw new SyntaxError(
        `Unknown filter "${filter}" in ${JSON.stringify(template)} (filters: "upper", "lower")`,
      );
    }
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push({
      name,
      fallback: separator === -1 ? undefined : body.slice(separator + 2),
      ...(filter === undefined ? {} : { filter: filter as "upper" | "lower" }),
    });
    index = end + 1;
  }
  if (literal !== "") parts.push(literal);
  if (cache.size > 10_000) cache.clear();
  cache.set(template, parts);
  return parts;
}

/**
 * Replaces every `${name}` in a template with its value. An undefined
 * variable is an error, never an empty string.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { interpolate } from "./interpolate.ts";
 * const text = interpolate("Online users: ${who}", { who: "alice" });
 * assert(text === "Online users: alice");
 * ```
 *
 * @param template The string to fill in.
 * @param variables The values by name.
 * @param options Environment lookup and escaping.
 * @returns The filled-in string.
 * @throws {UndefinedVariableError} When a name has no value and no default.
 * @throws {SyntaxError} When the template is malformed.
 */
export function interpolate(
  template: string,
  variables: Readonly<Record<string, string>>,
  options: InterpolateOptions = {},
): string {
  if (!template.includes("$")) return template;
  const escape = options.escape ?? ((value: string) => value);
  let out = "";
  for (const part of parseTemplate(template)) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const value = lookup(part, variables, options);
    if (value === undefined) {
      const known = Object.keys(variables);
      throw new UndefinedVariableError(
        part.name.startsWith("env.")
          ? `Environment variable "${
            part.name.slice(4)
          }" is not set and "\${${part.name}}" has no default (write "\${${part.name}:-value}")`
          : `Undefined variable "${part.name}" in ${JSON.stringify(template)}${
            known.length > 0 ? `; defined: ${known.map((name) => `"${name}"`).join(", ")}` : ""
          }`,
        part.name,
      );
    }
    const filtered = part.filter === "upper"
      ? value.toUpperCase()
      : part.filter === "lower"
      ? value.toLowerCase()
      : value;
    out += escape(filtered);
  }
  return out;
}

function lookup(
  reference: VariableReference,
  variables: Readonly<Record<string, string>>,
  options: InterpolateOptions,
): string | undefined {
  if (reference.name.startsWith("env.")) {
    const env = options.env ?? ((name: string) => Deno.env.get(name));
    const value = env(reference.name.slice(4));
    return value === undefined || value === "" ? reference.fallback ?? value : value;
  }
  return Object.hasOwn(variables, reference.name) ? variables[reference.name] : reference.fallback;
}

/**
 * Escapes text so that it matches itself literally inside a regex.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { escapeRegex } from "./interpolate.ts";
 * assert(new RegExp(escapeRegex("a.b")).test("a.b"));
 * ```
 *
 * @param text Any text.
 * @returns The text with regex syntax characters escaped.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}
