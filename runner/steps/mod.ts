/**
 * One handler per action; adding an action is one file and one case here.
 *
 * @module
 */

import type { Step } from "../suite.ts";
import { runClose } from "./close.ts";
import { runConnect } from "./connect.ts";
import type { StepContext } from "./context.ts";
import { runExpect } from "./expect.ts";
import { runSend } from "./send.ts";
import { runSet } from "./set.ts";
import { runSleep } from "./sleep.ts";

export { type Address, parseAddress, type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs one step; a failure is thrown as a {@linkcode StepFailedError}.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export function runStep(step: Step, context: StepContext): Promise<void> {
  switch (step.action) {
    case "connect":
      return runConnect(step, context);
    case "send":
      return runSend(step, context);
    case "expect":
      return runExpect(step, context);
    case "close":
      return runClose(step, context);
    case "sleep":
      return runSleep(step, context);
    case "set":
      return runSet(step, context);
  }
}
