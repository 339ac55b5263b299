/**
 * Runs one regex search off the main thread, so that a pattern that
 * backtracks for minutes can be stopped by terminating this worker.
 *
 * @module
 */

/** A search to run. */
export interface RegexJob {
  readonly source: string;
  readonly flags: string;
  readonly text: string;
}

/** A search's outcome: no match, or the match's groups and position. */
export type RegexJobResult =
  | { readonly match: null }
  | {
    readonly match: {
      readonly index: number;
      readonly items: readonly (string | undefined)[];
      readonly groups: Readonly<Record<string, string | undefined>> | undefined;
    };
  }
  | { readonly error: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<RegexJob>) => void) | null;
  postMessage(message: RegexJobResult): void;
}

function search(job: RegexJob): RegexJobResult {
  try {
    const match = new RegExp(job.source, job.flags).exec(job.text);
    if (match === null) return { match: null };
    return {
      match: {
        index: match.index,
        items: [...match],
        groups: match.groups === undefined ? undefined : { ...match.groups },
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => scope.postMessage(search(event.data));
