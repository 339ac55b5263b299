/**
 * The events a reporter receives. Reporters never reach into the engine.
 *
 * @module
 */

import type { InvalidSuiteError } from "../errors.ts";
import type { RunSummary, ScenarioResult, SuiteResult } from "../result.ts";
import type { Suite } from "../suite.ts";

/** Receives a run's events as they happen. Every method is optional. */
export interface Reporter {
  /**
   * Whether it needs events as they happen even when files run at once
   * (a progress display). Other reporters get each file's events together,
   * when the file finishes.
   */
  readonly live?: boolean;
  /** A file could not be loaded or validated; it does not run. */
  invalidSuite?(error: InvalidSuiteError): void;
  /** A suite is about to run. */
  suiteStarted?(suite: Suite): void;
  /** A scenario finished (or was skipped). */
  scenarioFinished?(suite: Suite, result: ScenarioResult): void;
  /** A suite finished. */
  suiteFinished?(suite: Suite, result: SuiteResult): void;
  /** The run finished; reporters that write files do so here. */
  runFinished?(summary: RunSummary): void | Promise<void>;
}
