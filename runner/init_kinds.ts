/**
 * The kinds of assignment `parley init` writes: a module of its own, so that
 * parsing the command line does not load the templates.
 *
 * @module
 */

/** The kinds of assignment `init` writes. */
export type AssignmentKind = "server" | "client" | "udp";

/** The kinds, for the usage text and validation. */
export const ASSIGNMENT_KINDS: readonly AssignmentKind[] = ["server", "client", "udp"];
