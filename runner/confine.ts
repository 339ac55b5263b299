/**
 * Confining a program under test: resource limits (util-linux `prlimit`,
 * since Deno has no setrlimit) and a file-system sandbox (bubblewrap's
 * `bwrap`). Both are words put before the program's own.
 *
 * @module
 */

import type { ProcessLimits } from "./suite.ts";

/**
 * Where a sandboxed program may write and what it may not see. Everything
 * else is read-only; `/tmp` is private and empty; the network is shared so
 * that loopback still works.
 */
export interface SandboxPlan {
  /** The one folder it may write (the submission), absolute. */
  readonly writable: string;
  /** Folders replaced by empty ones (the suite's folder, the grader's home), absolute. */
  readonly hidden: readonly string[];
}

/**
 * The `prlimit` prefix that applies limits to a program and its children.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { limitArgs } from "./confine.ts";
 * assertEquals(limitArgs({ cpu: 2000, memory: 1 << 26 }), ["prlimit", "--cpu=2:3", "--as=67108864", "--"]);
 * assertEquals(limitArgs(undefined), []);
 * ```
 *
 * @param limits The limits, if any.
 * @returns The words that go before the program's.
 */
export function limitArgs(limits: ProcessLimits | undefined): string[] {
  if (limits === undefined || Object.keys(limits).length === 0) return [];
  const seconds = limits.cpu === undefined ? undefined : Math.round(limits.cpu / 1000);
  return [
    "prlimit",
    // SIGXCPU at the soft limit tells the limit apart; SIGKILL a second later.
    ...(seconds === undefined ? [] : [`--cpu=${seconds}:${seconds + 1}`]),
    ...(limits.memory === undefined ? [] : [`--as=${limits.memory}`]),
    ...(limits.processes === undefined ? [] : [`--nproc=${limits.processes}`]),
    ...(limits.fileSize === undefined ? [] : [`--fsize=${limits.fileSize}`]),
    ...(limits.openFiles === undefined ? [] : [`--nofile=${limits.openFiles}`]),
    "--",
  ];
}

/**
 * The `bwrap` prefix that runs a program in the sandbox a plan describes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { sandboxArgs } from "./confine.ts";
 * const args = sandboxArgs({ writable: "/srv/subs/ada", hidden: ["/srv"] }, "/srv/subs/ada");
 * assert(args.join(" ").includes("--tmpfs /srv --bind /srv/subs/ada /srv/subs/ada"));
 * ```
 *
 * @param plan What it may write and what it may not see.
 * @param cwd Its working directory, absolute.
 * @returns The words that go before the program's.
 */
export function sandboxArgs(plan: SandboxPlan, cwd: string): string[] {
  // Parents first: an empty folder mounted later would hide a bind made before it.
  // One inside the writable folder would be bound over again: it stays seen.
  const hidden = [...new Set(plan.hidden)]
    .filter((dir) => !within(dir, plan.writable))
    .sort((a, b) => a.length - b.length);
  return [
    "bwrap",
    "--die-with-parent",
    // Its own process tree: whatever it leaves running dies with it.
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    ...hidden.flatMap((dir) => ["--tmpfs", dir]),
    "--bind",
    plan.writable,
    plan.writable,
    // Empty, and read-only once the writable folder's mount point is made in them.
    ...hidden.flatMap((dir) => ["--remount-ro", dir]),
    // Root keeps every capability in bwrap by default, remount included.
    ...(Deno.uid() === 0 ? ["--cap-drop", "ALL"] : []),
    "--chdir",
    cwd,
    "--",
  ];
}

/**
 * Whether a path is out of a sandboxed program's sight: under a hidden
 * folder or the private `/tmp`, and not under the folder it may write.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { hiddenInSandbox } from "./confine.ts";
 * const plan = { writable: "/srv/subs/ada", hidden: ["/srv"] };
 * assertEquals(hiddenInSandbox(plan, "/srv/suite.yaml"), true);
 * assertEquals(hiddenInSandbox(plan, "/srv/subs/ada/server.py"), false);
 * assertEquals(hiddenInSandbox(plan, "/usr/bin/python3"), false);
 * ```
 *
 * @param plan The sandbox.
 * @param path An absolute path.
 * @returns `true` when the program cannot see it.
 */
export function hiddenInSandbox(plan: SandboxPlan, path: string): boolean {
  if (within(path, plan.writable)) return false;
  return ["/tmp", ...plan.hidden].some((dir) => within(path, dir));
}

function within(path: string, dir: string): boolean {
  const folder = dir.endsWith("/") ? dir : `${dir}/`;
  return path === dir || path.startsWith(folder);
}

/** What a trial run of bwrap said, per bwrap found: `undefined` when it worked. */
const trials = new Map<string, string | undefined>();

/**
 * Why bwrap cannot sandbox on this machine (no user namespaces, a
 * container that forbids mounts), from one trial run with the sandbox's
 * own options; `undefined` when it works. Tried once per bwrap.
 *
 * @example
 * ```ts ignore
 * import { sandboxFailure } from "./confine.ts";
 * const problem = sandboxFailure("/usr/bin/bwrap");
 * ```
 *
 * @param bwrap The bwrap to try.
 * @returns What bwrap said, or `undefined`.
 */
export function sandboxFailure(bwrap: string): string | undefined {
  if (trials.has(bwrap)) return trials.get(bwrap);
  const args = sandboxArgs({ writable: "/tmp", hidden: [] }, "/").slice(1);
  let problem: string | undefined;
  try {
    const trial = new Deno.Command(bwrap, {
      args: [...args, "true"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (!trial.success) {
      const said = new TextDecoder().decode(trial.stderr).trim().split("\n")[0] ?? "";
      problem = said === "" ? `it exited with code ${trial.code}` : `"${said}"`;
    }
  } catch (error) {
    problem = (error as Error).message;
  }
  trials.set(bwrap, problem);
  return problem;
}

/** Linux's signal numbers, for exit codes of 128 + N. */
const SIGNALS: readonly Deno.Signal[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/**
 * The signal a sandbox's exit code stands for: `bwrap` waits for the
 * program and exits with 128 + N when signal N killed it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { signalOfExitCode } from "./confine.ts";
 * assertEquals(signalOfExitCode(152), "SIGXCPU");
 * assertEquals(signalOfExitCode(1), null);
 * ```
 *
 * @param code The exit code.
 * @returns The signal's name, or `null`.
 */
export function signalOfExitCode(code: number): Deno.Signal | null {
  return SIGNALS[code - 129] ?? null;
}
