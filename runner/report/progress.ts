/**
 * A one-line progress display for terminals: files and scenarios done,
 * failures so far. Off a terminal it is not used at all.
 *
 * @module
 */

import type { InvalidSuiteError } from "../errors.ts";
import type { RunSummary, ScenarioResult } from "../result.ts";
import type { Suite } from "../suite.ts";
import type { Reporter } from "./reporter.ts";

/** Redraws one status line on standard error. */
export class ProgressReporter implements Reporter {
  /** Progress is drawn as files run, not when each finishes. */
  readonly live = true;
  readonly #write: (text: string) => void;
  #files = 0;
  #scenarios = 0;
  #failures = 0;
  #running = 0;

  /**
   * Creates the reporter.
   *
   * @param write Where the line goes (a terminal).
   */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  #draw(): void {
    this.#write(
      `\r\x1b[2K${this.#files} files done, ${this.#running} running · ${this.#scenarios} scenarios · ${this.#failures} failed`,
    );
  }

  /** Counts an invalid file as done. */
  invalidSuite(_error: InvalidSuiteError): void {
    this.#files++;
    this.#draw();
  }

  /** Counts a file as running. */
  suiteStarted(_suite: Suite): void {
    this.#running++;
    this.#draw();
  }

  /** Counts a scenario. */
  scenarioFinished(_suite: Suite, result: ScenarioResult): void {
    this.#scenarios++;
    if (result.status === "failed" || result.status === "error") this.#failures++;
    this.#draw();
  }

  /** Counts a file as done. */
  suiteFinished(): void {
    this.#running--;
    this.#files++;
    this.#draw();
  }

  /** Clears the line. */
  runFinished(_summary: RunSummary): void {
    this.#write("\r\x1b[2K");
  }
}
