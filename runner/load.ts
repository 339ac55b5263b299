/**
 * Suites from text or files: parse, then validate.
 *
 * @module
 */

import { InvalidSuiteError } from "./errors.ts";
import { readSuiteFile, SuiteFileError } from "./suite_file.ts";
import type { Suite } from "./suite.ts";
import { type ValidateOptions, validateSuite } from "./validate.ts";
import { parseYaml, YamlSyntaxError } from "./yaml.ts";

export type { ValidateOptions };

/**
 * Parses and validates a suite from YAML text.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseSuite } from "./load.ts";
 * const suite = parseSuite("name: echo\nserver: echo\nsteps: [connect, close]\n");
 * assert(suite.scenarios[0]?.steps.length === 2);
 * ```
 *
 * @param text The YAML text.
 * @param options The file name for messages and the known servers.
 * @returns The typed suite.
 * @throws {InvalidSuiteError} When the text is not valid YAML or not a valid suite.
 */
export function parseSuite(text: string, options: ValidateOptions = {}): Suite {
  const file = options.file ?? "<text>";
  let doc;
  try {
    doc = parseYaml(text);
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    throw new InvalidSuiteError(file, [{
      file,
      line: error.line,
      scenario: undefined,
      step: undefined,
      message: error.message,
      code: "yaml-syntax",
      details: { message: error.message },
    }], { cause: error });
  }
  return validateSuite(doc, { ...options, file });
}

/**
 * Reads, parses and validates a suite file.
 *
 * @example
 * ```ts ignore
 * import { loadSuite } from "./load.ts";
 * const suite = await loadSuite("scenarios/echo.yaml");
 * ```
 *
 * @param path The file.
 * @param options The known servers; `file` defaults to `path`.
 * @returns The typed suite.
 * @throws {InvalidSuiteError} When the file cannot be read or is not a valid suite.
 */
export async function loadSuite(path: string, options: ValidateOptions = {}): Promise<Suite> {
  let text: string;
  try {
    text = await readSuiteFile(path);
  } catch (error) {
    if (!(error instanceof SuiteFileError)) throw error;
    throw new InvalidSuiteError(path, [{
      file: path,
      line: undefined,
      scenario: undefined,
      step: undefined,
      message: error.message,
      code: "file-unreadable",
      details: { message: error.message },
    }], { cause: error });
  }
  return parseSuite(text, { file: path, ...options });
}
