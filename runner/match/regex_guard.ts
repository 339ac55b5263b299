/**
 * User regexes that cannot freeze the runner. JavaScript regexes backtrack:
 * `^(a+)+$` against 40,000 bytes runs for minutes and blocks the event loop,
 * so no timer, deadline or Ctrl-C could fire. A guarded regex first searches
 * in-process under a short watchdog (almost every search ends within
 * microseconds); a search that outlasts it is handed to a worker that the
 * step's deadline or a signal terminates.
 *
 * Matchers stay pure and synchronous: a guarded `exec` that must wait for
 * its worker throws {@linkcode RegexPending}; whoever runs the matcher
 * awaits it with {@linkcode settleMatch} and runs the matcher again, which
 * then gets the worker's answer at once.
 *
 * @module
 */

import type { RegexJob, RegexJobResult } from "./regex_worker.ts";

type VmModule = typeof import("node:vm");

/** What matchers need of a regex: its source for messages, and a search. */
export interface RegexLike {
  /** The pattern, for messages. */
  readonly source: string;
  /**
   * Searches `text`, like `RegExp.prototype.exec`.
   *
   * @param text Where to search.
   * @returns The match, or `null`.
   */
  exec(text: string): RegExpExecArray | null;
}

/** How long a search may run in-process before it moves to a worker. */
const IN_PROCESS_MS = 50;

/** A search that moved to a worker; thrown by a guarded `exec` until it settles. */
export class RegexPending extends Error {
  /** The pattern. */
  readonly source: string;
  /** The length of the text searched, in characters. */
  readonly size: number;
  readonly #settled: Promise<void>;
  readonly #cancel: () => void;

  /**
   * Creates the signal of a search under way.
   *
   * @param source The pattern.
   * @param size The text's length.
   * @param settled Resolves when the worker answered.
   * @param cancel Terminates the worker.
   */
  constructor(source: string, size: number, settled: Promise<void>, cancel: () => void) {
    super(`Regex /${source}/ is still searching ${size} characters`);
    this.name = "RegexPending";
    this.source = source;
    this.size = size;
    this.#settled = settled;
    this.#cancel = cancel;
  }

  /**
   * Waits for the worker's answer, or terminates it when `signal` aborts.
   *
   * @param signal The step's deadline.
   * @returns Whether the search finished.
   */
  settle(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) {
      this.#cancel();
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const abort = (): void => {
        this.#cancel();
        resolve(false);
      };
      signal.addEventListener("abort", abort, { once: true });
      this.#settled.then(() => {
        signal.removeEventListener("abort", abort);
        resolve(true);
      });
    });
  }
}

/** A regex search that did not finish before the step's deadline. */
export class RegexTimeoutError extends Error {
  /** The pattern. */
  readonly source: string;
  /** The length of the text searched, in characters. */
  readonly size: number;

  /**
   * Creates the error.
   *
   * @param source The pattern.
   * @param size The length of the text searched.
   * @param options The abort reason.
   */
  constructor(source: string, size: number, options?: ErrorOptions) {
    super(`Regex /${source}/ did not finish searching ${size} characters`, options);
    this.name = "RegexTimeoutError";
    this.source = source;
    this.size = size;
  }
}

// node:vm costs 20 ms of start-up: it is loaded the first time a regex runs.
let vm: VmModule | undefined;
let loadingVm: Promise<void> | undefined;
let context: ReturnType<VmModule["createContext"]> | undefined;
let script: InstanceType<VmModule["Script"]> | undefined;

/** Runs `regex.exec(text)` under a watchdog; `undefined` when it ran out of time. */
function execInProcess(
  vm: VmModule,
  regex: RegExp,
  text: string,
): RegExpExecArray | null | undefined {
  context ??= vm.createContext({ regex: undefined, text: undefined });
  script ??= new vm.Script("regex.exec(text)");
  context.regex = regex;
  context.text = text;
  try {
    return script.runInContext(context, { timeout: IN_PROCESS_MS }) as RegExpExecArray | null;
  } catch (error) {
    // The watchdog's error comes from the context's realm: not `instanceof Error` here.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return undefined;
    throw error;
  } finally {
    context.regex = undefined;
    context.text = undefined;
  }
}

function toMatch(result: RegexJobResult, text: string): RegExpExecArray | null {
  if ("error" in result) throw new SyntaxError(result.error);
  if (result.match === null) return null;
  const match = [...result.match.items] as unknown as RegExpExecArray;
  match.index = result.match.index;
  match.input = text;
  if (result.match.groups !== undefined) {
    match.groups = { ...result.match.groups } as Record<string, string>;
  }
  return match;
}

/** Searches in a worker of its own, which `cancel` terminates. */
function execInWorker(
  regex: RegExp,
  text: string,
): { answer: Promise<RegExpExecArray | null | Error>; cancel: () => void } {
  const worker = new Worker(new URL("./regex_worker.ts", import.meta.url), { type: "module" });
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    worker.terminate();
  };
  const answer = new Promise<RegExpExecArray | null | Error>((resolve) => {
    worker.onmessage = (event: MessageEvent<RegexJobResult>) => {
      finish();
      try {
        resolve(toMatch(event.data, text));
      } catch (error) {
        resolve(error as Error);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      finish();
      resolve(new Error(`Regex /${regex.source}/ failed: ${event.message}`));
    };
  });
  const job: RegexJob = { source: regex.source, flags: regex.flags, text };
  worker.postMessage(job);
  return { answer, cancel: finish };
}

/**
 * Wraps a regex so that its searches cannot block the runner: in-process
 * under a 50 ms watchdog, then in a worker that can be terminated. Its
 * first search also loads the watchdog, so run it with
 * {@linkcode settleMatch}.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { guardRegex, settleMatch } from "./regex_guard.ts";
 * const regex = guardRegex(/h(?<rest>i)/);
 * const match = await settleMatch(() => regex.exec("hi"), AbortSignal.timeout(1000));
 * assert(match?.groups?.rest === "i");
 * ```
 *
 * @param regex The compiled regex.
 * @returns A regex whose `exec` may throw {@linkcode RegexPending}.
 */
export function guardRegex(regex: RegExp): RegexLike {
  let slow = false;
  // Answers from workers, by text: a matcher run again after waiting asks
  // for the same searches (a stream match also tries a few continuations).
  const answers = new Map<string, RegExpExecArray | null | Error | RegexPending>();
  return {
    source: regex.source,
    exec(text: string): RegExpExecArray | null {
      const known = answers.get(text);
      if (known !== undefined) {
        if (known instanceof Error) throw known;
        return known;
      }
      if (vm === undefined) {
        loadingVm ??= import("node:vm").then((module) => {
          vm = module.default;
        });
        throw new RegexPending(regex.source, text.length, loadingVm, () => {});
      }
      if (!slow) {
        const result = execInProcess(vm, regex, text);
        if (result !== undefined) return result;
        // It backtracks: every later search of this regex goes to a worker at once.
        slow = true;
      }
      if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value!);
      const { answer, cancel } = execInWorker(regex, text);
      const pending: RegexPending = new RegexPending(
        regex.source,
        text.length,
        answer.then((result) => {
          if (answers.get(text) === pending) answers.set(text, result);
        }),
        () => {
          cancel();
          // A terminated search has no answer: the next exec starts afresh.
          if (answers.get(text) === pending) answers.delete(text);
        },
      );
      answers.set(text, pending);
      throw pending;
    },
  };
}

/** Worker answers kept per regex. */
const MAX_ANSWERS = 32;

/**
 * Runs a matcher, waiting for any guarded regex search it needs.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { guardRegex, settleMatch } from "./regex_guard.ts";
 * const regex = guardRegex(/^(a+)+$/);
 * const found = await settleMatch(() => regex.exec("aaa"), AbortSignal.timeout(1000));
 * assert(found !== null);
 * ```
 *
 * @param compute The matcher's work; it may throw {@linkcode RegexPending}.
 * @param signal The step's deadline: a search still running then is terminated.
 * @returns What `compute` returned.
 * @throws {RegexTimeoutError} When a search did not finish before `signal` aborted.
 */
export async function settleMatch<T>(compute: () => T, signal: AbortSignal): Promise<T> {
  while (true) {
    try {
      return compute();
    } catch (error) {
      if (!(error instanceof RegexPending)) throw error;
      if (!(await error.settle(signal))) {
        throw new RegexTimeoutError(error.source, error.size, { cause: signal.reason });
      }
    }
  }
}
