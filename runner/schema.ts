/**
 * The JSON Schema of scenario files and the docs' action table, both made
 * from the action registry, so that editors (VS Code with
 * yaml-language-server, and others) complete and check scenario files as
 * Parley reads them. `deno task schema` writes `docs/scenario.schema.json`
 * and the table in `docs/scenarios.md`; a test fails when either is stale.
 *
 * @module
 */

import { SERVER_NAMES } from "../servers/mod.ts";
import {
  ADDRESS_TEXT,
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
  SANDBOX,
  TEXT,
  TEXT_MAP,
} from "./decode/schema_types.ts";
import { ACTION_SPECS } from "./steps/registry.ts";
import { INT_TYPES } from "./binary.ts";
import { problemCodes } from "./decode/problems.ts";
import type { ActionSpec } from "./steps/action.ts";

/** The schema of one action's step: its key, and its options beside it or inside it. */
function actionStep(spec: ActionSpec): JsonSchema {
  const options: JsonSchema = {
    type: "object",
    properties: spec.options,
    additionalProperties: false,
  };
  const value: JsonSchema = spec.value ?? {
    anyOf: [
      { type: "null" },
      options,
      ...(spec.shorthand === undefined ? [] : [spec.options[spec.shorthand]!]),
    ],
  };
  return {
    type: "object",
    description: spec.summary,
    required: [spec.action],
    properties: { [spec.action]: described(value, spec.summary), ...spec.options },
    additionalProperties: false,
  };
}

/**
 * The JSON Schema (2020-12) of a scenario file.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scenarioSchema } from "./schema.ts";
 * assertEquals(scenarioSchema().type, "object");
 * ```
 *
 * @returns The schema.
 */
export function scenarioSchema(): JsonSchema {
  const size: JsonSchema = {
    anyOf: [{ type: "integer", minimum: 1024, maximum: 1 << 30 }, SIZE_TEXT],
  };
  const SIZE: JsonSchema = { anyOf: [{ type: "integer", minimum: 1 }, SIZE_TEXT] };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Parley scenario file",
    description:
      "A suite of scenarios: connect, send and expect steps over TCP, UDP and processes. Generated from Parley's action registry by `deno task schema`.",
    type: "object",
    properties: {
      name: described({ type: "string" }, "The suite's name (default: the file name)"),
      server: described(
        {
          anyOf: [{ enum: [...SERVER_NAMES] }, {
            type: "object",
            properties: {
              stub: described({ type: "string" }, "A stub file, relative to the suite"),
            },
            required: ["stub"],
            additionalProperties: false,
          }],
        },
        "A built-in server, or { stub: FILE }, to start on a free port of 127.0.0.1",
      ),
      target: described(ADDRESS_TEXT, "The default address of every connect"),
      tls: described(
        ref("tls"),
        "TLS options for the suite's TLS connections (tls:// or connect: { tls })",
      ),
      spawn: described(ref("program"), "A program under test, started on a free port"),
      wait: described(
        {
          anyOf: [
            ADDRESS_TEXT,
            {
              type: "object",
              properties: { for: ADDRESS_TEXT, timeout: DURATION },
              required: ["for"],
              additionalProperties: false,
            },
          ],
        },
        "An address to wait for before any scenario runs",
      ),
      timeout: described(DURATION, "The default timeout of every waiting step (default: 2s)"),
      vars: described(TEXT_MAP, "Variables for every scenario"),
      scenarios: described(
        { type: "array", items: ref("scenario") },
        "The scenarios, in order",
      ),
      steps: described(
        { type: "array", items: ref("step") },
        "Instead of scenarios: the suite is one scenario with these steps",
      ),
      max_buffer: described(size, "The most unread bytes a connection may hold (1KiB to 1GiB)"),
      max_time: described(DURATION, "The longest the whole file may run"),
      secrets: described(
        { type: "array", items: CONNECTION_NAME },
        "Variables whose values never appear in any report",
      ),
    },
    additionalProperties: false,
    anyOf: [{ required: ["scenarios"] }, { required: ["steps"] }],
    $defs: {
      scenario: {
        type: "object",
        properties: {
          name: described(TEXT, "The scenario's name"),
          steps: described({ type: "array", items: ref("step") }, "The steps, in order"),
          timeout: described(DURATION, "The default timeout of its steps"),
          skip: described(
            { type: ["boolean", "string"] },
            "Skip it (true, or the reason)",
          ),
          points: described({ type: "number", minimum: 0 }, "What it is worth when graded"),
          hidden: described(
            { enum: [true, false, "after_published", "after_due_date"] },
            "Students see it only after grades are published (true), or after the due date",
          ),
          leaderboard: described(
            {
              type: "object",
              properties: {
                name: described(TEXT, "The column's name (default: the scenario's)"),
                value: described(
                  { enum: ["p50", "p95", "max", "throughput"] },
                  "The repeat step's figure: latency p50, p95 or max (ms), or iterations per second",
                ),
                order: described(
                  { enum: ["asc", "desc"] },
                  "asc: lower ranks first (default for latencies); desc: higher first (throughput)",
                ),
              },
              required: ["value"],
              additionalProperties: false,
            },
            "Rank students by a figure of the scenario's one repeat step (Gradescope leaderboard)",
          ),
        },
        required: ["steps"],
        additionalProperties: false,
      },
      step: {
        anyOf: [
          described({ enum: ACTION_SPECS.map((spec) => spec.action) }, "An action without options"),
          ...ACTION_SPECS.map(actionStep),
        ],
      },
      line: {
        anyOf: [
          described(TEXT, "The line equals this text"),
          {
            type: "object",
            properties: {
              text: described(TEXT, "The line equals this text"),
              contains: described(TEXT, "The line contains this text"),
              regex: described({ type: "string" }, "The line matches this regex"),
              json: { description: "The line is JSON containing this value" },
            },
            minProperties: 1,
            maxProperties: 1,
            additionalProperties: false,
          },
        ],
      },
      fields: {
        type: "array",
        description: "Binary fields, in order",
        minItems: 1,
        items: {
          oneOf: [
            ...INT_TYPES.map((type): JsonSchema => ({
              type: "object",
              properties: {
                [type]: described(
                  { type: ["integer", "string"] },
                  `A ${type}: a number, \${variable}, or (in expect) a name to capture into`,
                ),
              },
              required: [type],
              additionalProperties: false,
            })),
            ...["hex", "text"].map((kind): JsonSchema => ({
              type: "object",
              properties: {
                [kind]: described(
                  {
                    oneOf: [{ type: "string" }, {
                      type: "object",
                      properties: {
                        bytes: { type: "integer", minimum: 1 },
                        as: { type: "string" },
                      },
                      required: ["bytes"],
                      additionalProperties: false,
                    }],
                  },
                  kind === "hex"
                    ? "Bytes in hex (?? any byte, in expect), or { bytes, as } to read and capture as hex"
                    : "Text, or { bytes, as } to read and capture as text",
                ),
              },
              required: [kind],
              additionalProperties: false,
            })),
            {
              type: "object",
              properties: {
                skip: described(
                  { oneOf: [{ type: "integer", minimum: 1 }, { const: "rest" }] },
                  "In expect: pass over this many bytes, or the rest",
                ),
              },
              required: ["skip"],
              additionalProperties: false,
            },
          ],
        },
      },
      faults: {
        type: "object",
        description:
          "A proxy's faults; each but seed and down may be { up, down } for one direction",
        properties: Object.fromEntries(
          [
            ["latency", DURATION, "TCP: each chunk waits this long"],
            ["jitter", DURATION, "Latency and delay vary by up to this much"],
            ["bandwidth", { type: ["integer", "string"] }, "TCP: bytes per second, like 10KiB/s"],
            ["slice", {
              type: "object",
              properties: { size: { type: "integer", minimum: 1 }, delay: DURATION },
            }, "TCP: cut chunks into pieces of size bytes, delay apart"],
            [
              "limit",
              { type: ["integer", "string"] },
              "Bytes forwarded before TCP closes or UDP drops all",
            ],
            [
              "timeout",
              DURATION,
              "TCP: after this long, forward nothing but keep the connection open",
            ],
            ["slow_close", DURATION, "TCP: pass an end of stream on after this long"],
            ["down", { type: "boolean" }, "TCP: refuse new connections"],
            [
              "loss",
              { type: ["number", "string"] },
              "UDP: the chance a datagram is dropped (0.3 or 30%)",
            ],
            [
              "duplicate",
              { type: ["number", "string"] },
              "UDP: the chance a datagram is sent twice",
            ],
            [
              "reorder",
              { type: ["number", "string"] },
              "UDP: the chance a datagram goes after the next",
            ],
            ["delay", DURATION, "UDP: each datagram waits this long"],
            ["corrupt", { type: ["number", "string"] }, "UDP: the chance one byte is flipped"],
            [
              "seed",
              { type: "integer" },
              "The seed of every chance: the same seed, the same faults",
            ],
          ].map(([key, schema, description]) => [
            key as string,
            {
              description: description as string,
              anyOf: [schema as JsonSchema, {
                type: "object",
                properties: { up: {}, down: {} },
                additionalProperties: false,
              }],
            },
          ]),
        ),
        additionalProperties: false,
      },
      framing: {
        type: "object",
        description:
          "One message per send and expect: a length prefix, a delimiter or a fixed size",
        properties: {
          prefix: described(
            { enum: ["u8", "u16be", "u16le", "u32be", "u32le", "varint"] },
            "The length field",
          ),
          skip: described(
            { type: "integer", minimum: 0 },
            "Bytes of the frame before the length field",
          ),
          adjust: described(
            { type: "integer" },
            "Added to the length to get the bytes after it (-4 when it counts itself)",
          ),
          delimiter: described({ type: "string" }, "Frames end with this text"),
          fixed: described({ type: "integer", minimum: 1 }, "Frames of this many bytes"),
        },
        additionalProperties: false,
      },
      tls: {
        type: "object",
        description: "TLS options",
        properties: {
          ca: described(
            { type: "string" },
            "Certificates to trust besides the system's: PEM text or a file, relative to the suite",
          ),
          servername: described(
            { type: "string" },
            "The name sent (SNI) and verified (default: the host)",
          ),
          insecure: described({ type: "boolean" }, "Skip verification, for this connection only"),
          cert: described({ type: "string" }, "A client certificate: PEM text or a file"),
          key: described({ type: "string" }, "The client certificate's key: PEM text or a file"),
          alpn: described(
            { type: "array", items: { type: "string" } },
            "Protocols offered with ALPN",
          ),
        },
        additionalProperties: false,
      },
      limits: {
        type: "object",
        description: "Resource limits for a program and its children (util-linux prlimit)",
        properties: {
          cpu: described(DURATION, "CPU time (whole seconds), like 10s"),
          memory: described(SIZE, "Address space, like 256MiB"),
          processes: described(
            { type: "integer", minimum: 1 },
            "Processes of its user (RLIMIT_NPROC)",
          ),
          file_size: described(SIZE, "The largest file it may write, like 10MiB"),
          open_files: described({ type: "integer", minimum: 1 }, "Open file descriptors"),
        },
        additionalProperties: false,
      },
      program: {
        type: "object",
        properties: {
          run: described(
            { type: ["string", "array"], items: TEXT },
            "The command line, or the program and its arguments; ${port} is its port",
          ),
          cwd: described({ type: "string" }, "The working directory, relative to the suite"),
          env: described(TEXT_MAP, "Extra environment variables"),
          port: described({ type: "integer", minimum: 1, maximum: 65535 }, "A fixed port"),
          transport: described({ enum: ["tcp", "udp"] }, "What it serves (default: tcp)"),
          ready: described(
            {
              anyOf: [
                { const: "port" },
                {
                  type: "object",
                  properties: { stdout: { type: "string" } },
                  required: ["stdout"],
                  additionalProperties: false,
                },
              ],
            },
            "When it is ready: it listens on its port (default), or prints a line matching a regex",
          ),
          timeout: described(DURATION, "How long it may take to be ready (default: 10s)"),
          per: described({ enum: ["suite", "scenario"] }, "One for the suite, or one per scenario"),
          limits: described(ref("limits"), "Resource limits for it and its children"),
          sandbox: SANDBOX,
        },
        required: ["run"],
        additionalProperties: false,
      },
    },
  };
}

/** A size written with a unit: `64KiB`, `1MiB`. */
const SIZE_TEXT: JsonSchema = {
  type: "string",
  pattern: "^\\s*\\d+\\s*([kKmMgG]i?[bB]|[bB])?\\s*$",
};

/** The markers around a generated table in the docs. */
function markers(name: string): { start: string; end: string } {
  return {
    start: `<!-- ${name}: generated by \`deno task schema\` -->`,
    end: `<!-- end of ${name} -->`,
  };
}

/**
 * The docs' table of actions, from the registry.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { actionTable } from "./schema.ts";
 * assertStringIncludes(actionTable(), "| `connect` |");
 * ```
 *
 * @returns The Markdown table.
 */
export function actionTable(): string {
  const rows = ACTION_SPECS.map((spec) => {
    const options = Object.keys(spec.options).map((key) => `\`${key}\``).join(", ");
    const shorthand = spec.shorthand === undefined ? "" : `\`${spec.shorthand}\``;
    return `| \`${spec.action}\` | ${spec.summary} | ${shorthand} | ${options || "variables"} |`;
  });
  return [
    "| action | what it does | a bare value is | options |",
    "| ------ | ------------ | --------------- | ------- |",
    ...rows,
  ].join("\n");
}

/**
 * The docs' table of problem codes, from the catalogue.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { problemTable } from "./schema.ts";
 * assertStringIncludes(problemTable(), "| `unknown-key` |");
 * ```
 *
 * @returns The Markdown table.
 */
export function problemTable(): string {
  return [
    "| code | what it means |",
    "| ---- | ------------- |",
    ...problemCodes().map(({ code, summary }) => `| \`${code}\` | ${summary} |`),
  ].join("\n");
}

function replaceBetween(markdown: string, name: string, table: string): string {
  const { start: open, end: close } = markers(name);
  const start = markdown.indexOf(open);
  const end = markdown.indexOf(close);
  if (start === -1 || end < start) {
    throw new RangeError(`The ${name} table's markers are missing: "${open}"`);
  }
  return `${markdown.slice(0, start + open.length)}\n\n${table}\n\n${markdown.slice(end)}`;
}

/**
 * Puts the generated tables (actions, problem codes) between their markers
 * in a Markdown text.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { withGeneratedTables } from "./schema.ts";
 * const doc = [
 *   "<!-- actions: generated by `deno task schema` -->",
 *   "<!-- end of actions -->",
 *   "<!-- problems: generated by `deno task schema` -->",
 *   "<!-- end of problems -->",
 * ].join("\n");
 * assertStringIncludes(withGeneratedTables(doc), "| `send` |");
 * ```
 *
 * @param markdown The document, with the markers.
 * @returns The document with the current tables.
 * @throws {RangeError} When the markers are missing.
 */
export function withGeneratedTables(markdown: string): string {
  return replaceBetween(
    replaceBetween(markdown, "actions", actionTable()),
    "problems",
    problemTable(),
  );
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  const schemaPath = new URL("docs/scenario.schema.json", root);
  await Deno.writeTextFile(schemaPath, `${JSON.stringify(scenarioSchema(), null, 2)}\n`);
  const docsPath = new URL("docs/scenarios.md", root);
  await Deno.writeTextFile(docsPath, withGeneratedTables(await Deno.readTextFile(docsPath)));
}
