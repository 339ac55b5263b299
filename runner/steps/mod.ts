/**
 * One handler per action; adding an action is one file and one case here.
 *
 * @module
 */

import type { Step } from "../suite.ts";
import { runAccept } from "./accept.ts";
import { runClose } from "./close.ts";
import { runConnect } from "./connect.ts";
import type { StepContext } from "./context.ts";
import { runExit } from "./exit.ts";
import { runExpect } from "./expect.ts";
import { runInclude } from "./include.ts";
import { runListen } from "./listen.ts";
import { runRepeat } from "./repeat.ts";
import { runSend } from "./send.ts";
import { runSet } from "./set.ts";
import { runSleep } from "./sleep.ts";
import { runSpawn } from "./spawn.ts";

export {
  type Address,
  parseAddress,
  type StepContext,
  StepFailedError,
  type StepScope,
} from "./context.ts";
export { invocation, type ProgramInvocation } from "./spawn.ts";

/**
 * Runs one step; a failure is thrown as a {@linkcode StepFailedError}.
 *
 * @param step The step.
 * @param context The scenario's state.
 * @returns A note worth showing on a pass (a `repeat`'s latencies), if any.
 */
export async function runStep(step: Step, context: StepContext): Promise<string | undefined> {
  switch (step.action) {
    case "connect":
      await runConnect(step, context);
      break;
    case "send":
      await runSend(step, context);
      break;
    case "expect":
      await runExpect(step, context);
      break;
    case "close":
      await runClose(step, context);
      break;
    case "sleep":
      await runSleep(step, context);
      break;
    case "set":
      await runSet(step, context);
      break;
    case "spawn":
      await runSpawn(step, context);
      break;
    case "listen":
      await runListen(step, context);
      break;
    case "accept":
      await runAccept(step, context);
      break;
    case "exit":
      await runExit(step, context);
      break;
    case "repeat":
      return await runRepeat(step, context);
    case "include":
      await runInclude(step, context);
      break;
  }
  return undefined;
}
