/**
 * Narrows a parsed YAML document to a typed {@linkcode Suite}, collecting
 * every problem with its location before anything runs.
 *
 * @module
 */

import { SERVER_TRANSPORTS } from "../servers/mod.ts";
import { suggestion } from "./decode/kit.ts";
import { formatProblem } from "./decode/problems.ts";
import { MAX_ISSUES, type Shared, Validator } from "./decode/validator.ts";
import { InvalidSuiteError } from "./errors.ts";
import type { Suite, Transport } from "./suite.ts";
import { readSuiteFileSync } from "./suite_file.ts";
import type { YamlDocument } from "./yaml.ts";

export { suggestion };

/** Options for {@linkcode validateSuite}. */
export interface ValidateOptions {
  /**
   * The file name used in messages and results.
   *
   * @default {"<text>"}
   */
  file?: string;
  /**
   * The built-in servers a suite may name, with the transports each speaks.
   *
   * @default {{ echo: ["tcp", "udp"], upper: ["tcp", "udp"], chat: ["tcp"] }}
   */
  servers?: Readonly<Record<string, readonly Transport[]>>;
  /**
   * Reads an include fragment.
   *
   * @default {readSuiteFileSync}
   */
  readFile?: (path: string) => string;
  /**
   * Names of variables given from outside the file (`--var`), so that
   * references to them are not reported as undefined.
   *
   * @default {[]}
   */
  variables?: readonly string[];
  /**
   * The run's `--timeout-scale`: a duration that would pass 24 hours once
   * scaled is a problem of the file.
   *
   * @default {1}
   */
  timeoutScale?: number;
}

/**
 * Validates a parsed suite document. Every problem is collected; none stops
 * the others from being found.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseYaml } from "./yaml.ts";
 * import { validateSuite } from "./validate.ts";
 * const suite = validateSuite(parseYaml("name: s\nserver: echo\nsteps: [connect]\n"));
 * assert(suite.scenarios.length === 1);
 * ```
 *
 * @param doc The parsed document.
 * @param options The file name and the known servers.
 * @returns The typed suite.
 * @throws {InvalidSuiteError} With every problem, when there is any.
 */
export function validateSuite(doc: YamlDocument, options: ValidateOptions = {}): Suite {
  const file = options.file ?? "<text>";
  const shared: Shared = {
    issues: [],
    servers: options.servers ?? SERVER_TRANSPORTS,
    readFile: options.readFile ?? readSuiteFileSync,
    external: options.variables ?? [],
    stack: [file],
    timeoutScale: options.timeoutScale ?? 1,
    unshown: 0,
  };
  const suite = new Validator(doc, file, shared).suite();
  if (shared.issues.length > 0 || suite === undefined) {
    // The suite's own problems in line order; those of included files after them.
    const issues = [...shared.issues].sort((a, b) =>
      a.file === b.file
        ? (a.line ?? 0) - (b.line ?? 0)
        : a.file === file
        ? -1
        : b.file === file
        ? 1
        : 0
    );
    if (shared.unshown > 0) {
      const details = { count: shared.unshown, shown: MAX_ISSUES };
      issues.push({
        file,
        line: undefined,
        scenario: undefined,
        step: undefined,
        message: formatProblem({ code: "more-problems", details }),
        code: "more-problems",
        details,
      });
    }
    throw new InvalidSuiteError(file, issues);
  }
  return suite;
}
