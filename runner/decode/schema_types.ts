/**
 * Pieces of JSON Schema that action specs use to describe their options,
 * for `docs/scenario.schema.json` (editors complete and check scenario files
 * with it). Parley's own validation stays the authority.
 *
 * @module
 */

/** A JSON Schema (2020-12) object. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * Adds a description to a schema.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { described, DURATION } from "./schema_types.ts";
 * assertEquals(described(DURATION, "How long").description, "How long");
 * ```
 *
 * @param schema The schema.
 * @param description What the value means.
 * @returns The schema with its description.
 */
export function described(schema: JsonSchema, description: string): JsonSchema {
  return { ...schema, description };
}

/** A text: YAML may write it as a number or a boolean, which Parley reads as text. */
export const TEXT: JsonSchema = { type: ["string", "number", "boolean"] };

/** A duration: `150ms`, `2s`, `1.5m`, `1h` (at most 24h). */
export const DURATION: JsonSchema = {
  type: "string",
  pattern: "^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*$",
};

/** A connection name. */
export const CONNECTION_NAME: JsonSchema = { type: "string", pattern: "^[A-Za-z_][\\w-]*$" };

/** An address: `tcp://host:port` or `udp://host:port` (the port may be `${variable}`). */
export const ADDRESS_TEXT: JsonSchema = {
  type: "string",
  pattern: "^((tcp|udp|tls)://(\\[[^\\]]+\\]|[^:/\\s]+):([^/\\s]+)|unix://\\S+)$",
};

/** A mapping of names to texts (variables, environment). */
export const TEXT_MAP: JsonSchema = { type: "object", additionalProperties: TEXT };

/** A whole number from 1 to `max`. */
export function wholeNumber(max: number): JsonSchema {
  return { type: "integer", minimum: 1, maximum: max };
}

/** A reference to another definition of the scenario schema. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/$defs/${name}` };
}

/** `sandbox` on a program: bubblewrap's file-system sandbox, on or off. */
export const SANDBOX: JsonSchema = {
  type: "boolean",
  description:
    "Run it under bubblewrap (bwrap): the file system read-only but for the submission (or its working directory), a private /tmp, the suite's folder and your home hidden, the network shared",
};
