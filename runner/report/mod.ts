/**
 * Reporters by name, as `--reporter NAME[=PATH]` asks for them.
 *
 * @module
 */

import { dirname } from "@std/path/posix/dirname";
import type { GradescopeVisibility } from "./gradescope.ts";
import type { InvalidSuiteError } from "../errors.ts";
import type { RunSummary, ScenarioResult, SuiteResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import { suggestion } from "../validate.ts";
import { writeStderr, writeStdout } from "../output.ts";
import type { Reporter } from "./reporter.ts";

/** Where a reporter writes, as its factory receives it. */
export interface ReporterOutput {
  /** Writes text as the run goes: to stdout, or into the report file's buffer. */
  readonly write: (text: string) => void;
  /** Writes a whole report at the end: to stdout, or to the report file. */
  readonly whole: (text: string) => void | Promise<void>;
  /** Whether colours may be used (stdout is a terminal, and `NO_COLOR` is unset). */
  readonly color: boolean;
  /** When students see the autograder's results, for the `gradescope` reporter. */
  readonly gradescopeVisibility: GradescopeVisibility;
}

export type { GradescopeVisibility };

/** The values `--gradescope-visibility` takes. */
export const GRADESCOPE_VISIBILITIES: readonly GradescopeVisibility[] = [
  "visible",
  "hidden",
  "after_due_date",
  "after_published",
];

/** A built-in reporter: its name, what it writes, and a factory. */
export interface ReporterSpec {
  /** The name `--reporter` takes. */
  readonly name: string;
  /** What it writes, for the usage text. */
  readonly description: string;
  /** Whether it writes as the run goes (else one whole report at the end). */
  readonly streams: boolean;
  /**
   * Builds it; its module is loaded only now, so a run loads only the
   * reporters it uses.
   *
   * @param output Where it writes.
   * @returns The reporter.
   */
  create(output: ReporterOutput): Promise<Reporter>;
}

/**
 * The built-in reporters, in the order the usage lists them. The CLI's
 * usage text, `--reporter` validation and {@linkcode createReporters} all
 * read this list.
 */
export const REPORTERS: readonly ReporterSpec[] = [
  {
    name: "pretty",
    description: "a line per scenario and a failure report for each failure (the default)",
    streams: true,
    async create(output): Promise<Reporter> {
      const { PrettyReporter } = await import("./pretty.ts");
      return new PrettyReporter({ write: output.write, color: output.color });
    },
  },
  {
    name: "dot",
    description: "a character per scenario, then the failures",
    streams: true,
    async create(output): Promise<Reporter> {
      const { DotReporter } = await import("./dot.ts");
      return new DotReporter(output.write);
    },
  },
  {
    name: "tap",
    description: "TAP 14",
    streams: true,
    async create(output): Promise<Reporter> {
      const { TapReporter } = await import("./tap.ts");
      return new TapReporter(output.write);
    },
  },
  {
    name: "junit",
    description: "JUnit XML",
    streams: false,
    async create(output): Promise<Reporter> {
      const { JunitReporter } = await import("./junit.ts");
      return new JunitReporter(output.whole);
    },
  },
  {
    name: "json",
    description: "every result and transcript as JSON (docs/report.schema.json)",
    streams: false,
    async create(output): Promise<Reporter> {
      const { JsonReporter } = await import("./json.ts");
      return new JsonReporter(output.whole);
    },
  },
  {
    name: "html",
    description: "one self-contained page with sequence diagrams",
    streams: false,
    async create(output): Promise<Reporter> {
      const { HtmlReporter } = await import("./html.ts");
      return new HtmlReporter(output.whole);
    },
  },
  {
    name: "gradescope",
    description: "Gradescope's results.json",
    streams: false,
    async create(output): Promise<Reporter> {
      const { GradescopeReporter } = await import("./gradescope.ts");
      return new GradescopeReporter({
        write: output.whole,
        visibility: output.gradescopeVisibility,
      });
    },
  },
];

/** The reporter names `--reporter` takes. */
export const REPORTER_NAMES: readonly string[] = REPORTERS.map((spec) => spec.name);

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
  /**
   * When students see the `gradescope` reporter's results (its top-level
   * `visibility`).
   *
   * @default {"visible"}
   */
  gradescopeVisibility?: GradescopeVisibility;
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
  }

  invalidSuite(error: InvalidSuiteError): void {
    this.#inner.invalidSuite?.(error);
  }

  suiteStarted(suite: Suite): void {
    this.#inner.suiteStarted?.(suite);
  }

  scenarioFinished(suite: Suite, result: ScenarioResult): void {
    this.#inner.scenarioFinished?.(suite, result);
  }

  suiteFinished(suite: Suite, result: SuiteResult): void {
    this.#inner.suiteFinished?.(suite, result);
  }

  async runFinished(summary: RunSummary): Promise<void> {
    await this.#inner.runFinished?.(summary);
    await this.#sink.flush();
  }
}

/**
 * Builds reporters from `NAME[=PATH]` specs: without a path a reporter writes
 * to standard output, which only one may do. No specs means `pretty`. Only
 * the reporters asked for are loaded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createReporters } from "./mod.ts";
 * assertEquals((await createReporters(["pretty", "junit=report.xml"])).length, 2);
 * ```
 *
 * @param specs The `--reporter` values.
 * @param options Colours, environment, progress and where output goes.
 * @returns The reporters.
 * @throws {ReporterSpecError} For an unknown name, an empty path, or two reporters on stdout.
 */
export async function createReporters(
  specs: readonly string[],
  options: CreateReportersOptions = {},
): Promise<Reporter[]> {
  const stdout = options.stdout ?? writeStdout;
  const save = options.writeFile ?? writeFile;
  const wanted: { spec: ReporterSpec; path: string | undefined }[] = [];
  let stdoutTaken: string | undefined;
  // Every spec is checked before any module is loaded.
  for (const text of specs.length === 0 ? ["pretty"] : specs) {
    const at = text.indexOf("=");
    const name = at === -1 ? text : text.slice(0, at);
    const path = at === -1 ? undefined : text.slice(at + 1);
    const spec = REPORTERS.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      throw new ReporterSpecError(
        `Unknown reporter "${name}"${suggestion(name, REPORTER_NAMES)} (reporters: ${
          REPORTER_NAMES.join(", ")
        })`,
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
    wanted.push({ spec, path });
  }
  const reporters: Reporter[] = [];
  for (const { spec, path } of wanted) {
    const sink = path === undefined ? undefined : new FileSink(path, save);
    const reporter = await spec.create({
      write: sink?.write ?? stdout,
      whole: (text) => path === undefined ? stdout(text) : save(path, text),
      color: path === undefined && (options.color ?? false),
      gradescopeVisibility: options.gradescopeVisibility ?? "visible",
    });
    reporters.push(sink === undefined || !spec.streams ? reporter : new ToFile(reporter, sink));
  }
  if (options.env?.("GITHUB_ACTIONS") === "true") {
    const { GithubAnnotationsReporter } = await import("./github.ts");
    reporters.push(new GithubAnnotationsReporter(stdout));
  }
  // On a terminal the pretty report shows progress itself; the line is for runs whose results go elsewhere.
  if (options.progress && stdoutTaken !== "pretty") {
    const { ProgressReporter } = await import("./progress.ts");
    reporters.push(new ProgressReporter(options.stderr ?? writeStderr));
  }
  return reporters;
}
