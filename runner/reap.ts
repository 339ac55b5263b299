/**
 * Finding the processes that outlive a process group. A program under test
 * may start a helper that calls `setsid` or double-forks: it leaves the
 * group, so stopping the group misses it, and if it keeps the program's
 * stdout or stderr open, reading that output never ends. What it cannot
 * shed is what it inherited: on Linux, `/proc/PID/fd` links name the pipes
 * Parley created for the program (`pipe:[INODE]`) and the sockets it listens
 * on (`socket:[INODE]`), so every holder of one of them can be found, even
 * once it was reparented to init.
 *
 * Elsewhere (no `/proc`), nothing is found and only the group is stopped.
 *
 * @module
 */

import type { Transport } from "./suite.ts";

/** A process found holding one of the watched pipes or sockets. */
export interface Holder {
  /** Its process id. */
  readonly pid: number;
  /** Its command line, for reports (at most 200 characters). */
  readonly command: string;
}

function readLink(path: string): string | undefined {
  try {
    return Deno.readLinkSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The `pipe:[…]` and `socket:[…]` links of a process's open files.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { openLinks } from "./reap.ts";
 * assert(Array.isArray(openLinks(Deno.pid)));
 * ```
 *
 * @param pid The process.
 * @param fds Only these descriptors, or all of them.
 * @returns The links, e.g. `pipe:[123]`; empty when they cannot be read.
 */
export function openLinks(pid: number, fds?: readonly number[]): string[] {
  let names: string[];
  if (fds !== undefined) {
    names = fds.map(String);
  } else {
    try {
      names = [...Deno.readDirSync(`/proc/${pid}/fd`)].map((entry) => entry.name);
    } catch {
      return [];
    }
  }
  const links: string[] = [];
  for (const name of names) {
    const link = readLink(`/proc/${pid}/fd/${name}`);
    if (link !== undefined && /^(pipe|socket):\[\d+\]$/.test(link)) links.push(link);
  }
  return links;
}

/**
 * The sockets bound to a local port, as `socket:[INODE]` links, from
 * `/proc/net`: what a daemon listening on the program's port holds.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { portSockets } from "./reap.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert(portSockets(listener.addr.port, "tcp").length === 1);
 * ```
 *
 * @param port The port.
 * @param transport TCP (listening sockets) or UDP (bound sockets).
 * @returns The links; empty when `/proc/net` cannot be read.
 */
export function portSockets(port: number, transport: Transport): string[] {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return socketTable(transport)
    .filter((entry) => entry.local.endsWith(hexPort) && entry.inode !== "0")
    .map((entry) => `socket:[${entry.inode}]`);
}

/** One socket of the kernel's tables: its local address (as `/proc/net` writes it) and inode. */
interface SocketEntry {
  readonly local: string;
  readonly inode: string;
}

/** The listening TCP sockets, or the bound UDP ones, from `/proc/net`; empty where unreadable. */
function socketTable(transport: Transport): SocketEntry[] {
  const files = transport === "tcp"
    ? ["/proc/net/tcp", "/proc/net/tcp6"]
    : ["/proc/net/udp", "/proc/net/udp6"];
  const entries: SocketEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (transport === "tcp" && fields[3] !== "0A") continue;
      entries.push({ local: fields[1]!, inode: fields[9]! });
    }
  }
  return entries;
}

/** Options for {@linkcode findHolders}. */
export interface FindOptions {
  /**
   * The process group to leave out: stopping the group reaches its members.
   *
   * @default {undefined}
   */
  skipGroup?: number;
  /**
   * An environment entry (`NAME=VALUE`) that marks processes as descendants
   * of one Parley started, even once they closed every file they inherited.
   *
   * @default {undefined}
   */
  marker?: string;
}

/** Whether a process's environment holds the entry (descendants inherit it). */
function hasMarker(pid: number, marker: string): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0").includes(marker);
  } catch {
    return false;
  }
}

/** This process and its ancestors. */
function ancestors(): Set<number> {
  const pids = new Set<number>([Deno.pid]);
  let pid = Deno.pid;
  while (pid > 1 && pids.size < 1000) {
    const parent = statOf(pid)?.parent;
    if (parent === undefined || pids.has(parent)) break;
    pids.add(parent);
    pid = parent;
  }
  return pids;
}

/** State (`Z` for a zombie), parent and group of a process, from `/proc/PID/stat`. */
function statOf(pid: number): { state: string; parent: number; group: number } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command may hold spaces and parentheses: the fields start after the last ")".
    const [state, parent, group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: state ?? "", parent: Number(parent), group: Number(group) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a process exists and has not exited (a zombie has).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isAlive } from "./reap.ts";
 * assert(isAlive(Deno.pid));
 * ```
 *
 * @param pid The process.
 * @returns Whether it still runs.
 */
export function isAlive(pid: number): boolean {
  const state = statOf(pid)?.state;
  return state !== undefined && state !== "Z";
}

function commandOf(pid: number): string {
  try {
    const raw = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    const command = raw.replace(/\0+$/, "").replaceAll("\0", " ");
    return command.length > 200 ? `${command.slice(0, 200)}…` : command;
  } catch {
    return "?";
  }
}

/**
 * The live processes, other than this one, its ancestors and the members of
 * `skipGroup` (which stopping the group reaches anyway), that hold one of
 * `links` open or carry `marker` in their environment.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { findHolders } from "./reap.ts";
 * assertEquals(findHolders(new Set(["pipe:[0]"])), []);
 * ```
 *
 * @param links `pipe:[…]` and `socket:[…]` links.
 * @param options The process group to leave out and the marker to look for.
 * @returns The holders.
 */
export function findHolders(
  links: ReadonlySet<string>,
  options: FindOptions = {},
): Holder[] {
  if (links.size === 0 && options.marker === undefined) return [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return [];
  }
  const holders: Holder[] = [];
  // Never this process or those it runs under, whatever they share with it.
  const ours = ancestors();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (ours.has(pid)) continue;
    const marked = options.marker !== undefined && hasMarker(pid, options.marker);
    if (marked || openLinks(pid).some((link) => links.has(link))) {
      const stat = statOf(pid);
      // A zombie has exited already; a member of the group is stopped with it.
      if (stat === undefined || stat.state === "Z") continue;
      if (options.skipGroup !== undefined && stat.group === options.skipGroup) continue;
      holders.push({ pid, command: commandOf(pid) });
    }
  }
  return holders;
}

/**
 * Makes this process the reaper of its orphaned descendants (Linux's
 * `PR_SET_CHILD_SUBREAPER`, as init systems and container inits do): a
 * daemon that a program under test leaves behind is reparented here instead
 * of to init, so {@linkcode descendantsOf} still finds it when it shed every
 * other trace (its stdio, its environment). Needs the FFI permission;
 * elsewhere, or without it, nothing changes.
 *
 * @example
 * ```ts
 * import { becomeSubreaper } from "./reap.ts";
 * becomeSubreaper();
 * ```
 *
 * @returns Whether this process is now a subreaper.
 */
export function becomeSubreaper(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
    });
    try {
      const PR_SET_CHILD_SUBREAPER = 36;
      return libc.symbols.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
    } finally {
      libc.close();
    }
  } catch {
    return false;
  }
}

/**
 * The live descendants of a process, found by walking `/proc`'s parent links.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { descendantsOf } from "./reap.ts";
 * assertEquals(descendantsOf(2 ** 22 + 1), []);
 * ```
 *
 * @param root The process whose descendants to find.
 * @returns Them, children before grandchildren.
 */
export function descendantsOf(root: number): Holder[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    const stat = statOf(pid);
    if (stat === undefined || stat.state === "Z") continue;
    const siblings = children.get(stat.parent) ?? [];
    siblings.push(pid);
    children.set(stat.parent, siblings);
  }
  const found: Holder[] = [];
  const queue = [...children.get(root) ?? []];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push({ pid, command: commandOf(pid) });
    queue.push(...children.get(pid) ?? []);
  }
  return found;
}

/** A `/proc/net` address (`0100007F:1F90`, little-endian words) as text: `127.0.0.1:8080`. */
function procAddress(hex: string): string {
  const [host = "", port = "0"] = hex.split(":");
  const number = parseInt(port, 16);
  if (host.length === 8) {
    const bytes = host.match(/../g)!.map((pair) => parseInt(pair, 16)).reverse();
    return `${bytes.join(".")}:${number}`;
  }
  // IPv6: four 32-bit words, each little-endian.
  const bytes = (host.match(/.{8}/g) ?? []).flatMap((word) =>
    word.match(/../g)!.map((pair) => parseInt(pair, 16)).reverse()
  );
  const groups = [];
  for (let i = 0; i < bytes.length; i += 2) {
    groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  }
  const text = groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
  return `[${text}]:${number}`;
}

/**
 * Where a process and its descendants listen (TCP) or are bound (UDP), from
 * `/proc`: `["0.0.0.0:5000"]`. Empty where that cannot be read.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { listeningAddresses } from "./reap.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert(listeningAddresses(Deno.pid, "tcp").includes(`127.0.0.1:${listener.addr.port}`));
 * ```
 *
 * @param pid The process.
 * @param transport TCP or UDP.
 * @returns Its local addresses, `host:port` (IPv6 in brackets).
 */
export function listeningAddresses(pid: number, transport: Transport): string[] {
  const inodes = new Set(
    [pid, ...descendantsOf(pid).map((holder) => holder.pid)].flatMap((each) =>
      openLinks(each).filter((link) => link.startsWith("socket:"))
    ),
  );
  if (inodes.size === 0) return [];
  const addresses = socketTable(transport)
    .filter((entry) => inodes.has(`socket:[${entry.inode}]`))
    .map((entry) => procAddress(entry.local));
  return [...new Set(addresses)];
}
