/**
 * Reporters by name, as `--reporter NAME[=PATH]` asks for them.
 *
 * @module
 */

import { dirname } from "@std/path";
import type { RunSummary } from "../result.ts";
import { suggestion } from "../validate.ts";
import { DotReporter } from "./dot.ts";
import { GithubAnnotationsReporter } from "./github.ts";
import { GradescopeReporter } from "./gradescope.ts";
import { HtmlReporter } from "./html.ts";
import { JsonReporter } from "./json.ts";
import { JunitReporter } from "./junit.ts";
import { writeStderr, writeStdout } from "../output.ts";
import { PrettyReporter } from "./pretty.ts";
import { ProgressReporter } from "./progress.ts";
import type { Reporter } from "./reporter.ts";
import { TapReporter } from "./tap.ts";

/** The reporter names `--reporter` takes. */
export const REPORTER_NAMES = [
  "pretty",
  "dot",
  "tap",
  "junit",
  "json",
  "html",
  "gradescope",
] as const;

/** A `--reporter` value that cannot be used. */
export class ReporterSpecError extends RangeError {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ReporterSpecError";
  }
}

/** Options for {@linkcode createReporters}. */
export interface CreateReportersOptions {
  /**
   * Whether reporters writing to a terminal may use colours.
   *
   * @default {false}
   */
  color?: boolean;
  /**
   * Reads the environment (`GITHUB_ACTIONS=true` adds annotations).
   *
   * @default {() => undefined}
   */
  env?: (name: string) => string | undefined;
  /**
   * Whether to draw a progress line on standard error (a terminal).
   *
   * @default {false}
   */
  progress?: boolean;
  /**
   * Writes to standard output.
   *
   * @default {writeStdout}
   */
  stdout?: (text: string) => void;
  /**
   * Writes to standard error.
   *
   * @default {writes to Deno.stderr}
   */
  stderr?: (text: string) => void;
  /**
   * Writes a report file, creating its folder.
   *
   * @default {Deno.writeTextFile}
   */
  writeFile?: (path: string, text: string) => Promise<void>;
}

/** A report file that could not be written. */
export class ReportWriteError extends Error {
  /**
   * Creates the error.
   *
   * @param path The file.
   * @param options The underlying error.
   */
  constructor(path: string, options: ErrorOptions) {
    super(`Cannot write report "${path}": ${(options.cause as Error).message}`, options);
    this.name = "ReportWriteError";
  }
}

async function writeFile(path: string, text: string): Promise<void> {
  try {
    const dir = dirname(path);
    if (dir !== "" && dir !== ".") await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, text);
  } catch (error) {
    throw new ReportWriteError(path, { cause: error });
  }
}

/** Collects text and writes it to a file when the run ends. */
class FileSink {
  readonly #chunks: string[] = [];
  readonly #path: string;
  readonly #writeFile: (path: string, text: string) => Promise<void>;

  constructor(path: string, write: (path: string, text: string) => Promise<void>) {
    this.#path = path;
    this.#writeFile = write;
  }

  write = (text: string): void => {
    this.#chunks.push(text);
  };

  flush(): Promise<void> {
    return this.#writeFile(this.#path, this.#chunks.join(""));
  }
}

/** Runs a streaming reporter into a file, saved when the run ends. */
class ToFile implements Reporter {
  readonly #inner: Reporter;
  readonly #sink: FileSink;

  constructor(inner: Reporter, sink: FileSink) {
    this.#inner = inner;
    this.#sink = sink;
    this.invalidSuite = inner.invalidSuite?.bind(inner);
    this.suiteStarted = inner.suiteStarted?.bind(inner);
    this.scenarioFinished = inner.scenarioFinished?.bind(inner);
    this.suiteFinished = inner.suiteFinished?.bind(inner);
  }

  invalidSuite: Reporter["invalidSuite"];
  suiteStarted: Reporter["suiteStarted"];
  scenarioFinished: Reporter["scenarioFinished"];
  suiteFinished: Reporter["suiteFinished"];

  async runFinished(summary: RunSummary): Promise<void> {
    await this.#inner.runFinished?.(summary);
    await this.#sink.flush();
  }
}

/**
 * Builds reporters from `NAME[=PATH]` specs: without a path a reporter writes
 * to standard output, which only one may do. No specs means `pretty`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createReporters } from "./mod.ts";
 * assertEquals(createReporters(["pretty", "junit=report.xml"]).length, 2);
 * ```
 *
 * @param specs The `--reporter` values.
 * @param options Colours, environment, progress and where output goes.
 * @returns The reporters.
 * @throws {ReporterSpecError} For an unknown name, an empty path, or two reporters on stdout.
 */
export function createReporters(
  specs: readonly string[],
  options: CreateReportersOptions = {},
): Reporter[] {
  const stdout = options.stdout ?? writeStdout;
  const save = options.writeFile ?? writeFile;
  const reporters: Reporter[] = [];
  let stdoutTaken: string | undefined;
  for (const spec of specs.length === 0 ? ["pretty"] : specs) {
    const at = spec.indexOf("=");
    const name = at === -1 ? spec : spec.slice(0, at);
    const path = at === -1 ? undefined : spec.slice(at + 1);
    if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
      throw new ReporterSpecError(
        `Unknown reporter "${name}"${suggestion(name, REPORTER_NAMES)}; reporters: ${
          REPORTER_NAMES.join(", ")
        }`,
      );
    }
    if (path === "") throw new ReporterSpecError(`Reporter "${name}=" needs a path after "="`);
    if (path === undefined) {
      if (stdoutTaken !== undefined) {
        throw new ReporterSpecError(
          `Reporters "${stdoutTaken}" and "${name}" cannot both write to stdout; give one a path: --reporter ${name}=FILE`,
        );
      }
      stdoutTaken = name;
    }
    const sink = path === undefined ? undefined : new FileSink(path, save);
    const write = sink?.write ?? stdout;
    const whole = (text: string): void | Promise<void> =>
      path === undefined ? stdout(text) : save(path, text);
    let reporter: Reporter;
    switch (name as typeof REPORTER_NAMES[number]) {
      case "pretty":
        reporter = new PrettyReporter({
          write,
          color: path === undefined && (options.color ?? false),
        });
        break;
      case "dot":
        reporter = new DotReporter(write);
        break;
      case "tap":
        reporter = new TapReporter(write);
        break;
      case "junit":
        reporter = new JunitReporter(whole);
        break;
      case "json":
        reporter = new JsonReporter(whole);
        break;
      case "html":
        reporter = new HtmlReporter(whole);
        break;
      case "gradescope":
        reporter = new GradescopeReporter({ write: whole });
        break;
    }
    reporters.push(
      sink === undefined || !["pretty", "dot", "tap"].includes(name)
        ? reporter
        : new ToFile(reporter, sink),
    );
  }
  if (options.env?.("GITHUB_ACTIONS") === "true") {
    reporters.push(new GithubAnnotationsReporter(stdout));
  }
  // On a terminal the pretty report shows progress itself; the line is for runs whose results go elsewhere.
  if (options.progress && stdoutTaken !== "pretty") {
    reporters.push(new ProgressReporter(options.stderr ?? writeStderr));
  }
  return reporters;
}
