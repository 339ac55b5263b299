/**
 * TLS options for a step (`connect`, `starttls`): the suite's defaults with
 * the step's own on top, variables filled in and PEM files read.
 *
 * @module
 */

import { resolve } from "@std/path/posix/resolve";
import type { TlsClientOptions } from "../channels/tls.ts";
import { readSuiteFile, SuiteFileError } from "../suite_file.ts";
import type { TlsSpec } from "../suite.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";

/**
 * Reads PEM given as text or as a file's path (relative to the suite), with
 * its variables filled in.
 *
 * @param value The text or path, as written.
 * @param context The scenario's state.
 * @param options `channel`, the connection's name, for errors.
 * @returns The PEM text.
 * @throws {StepFailedError} A set-up error when the file cannot be read.
 */
export async function readPem(
  value: string,
  context: StepContext,
  options: { channel: string },
): Promise<string> {
  const text = fill(context, value);
  if (text.includes("-----BEGIN ")) return text;
  try {
    return await readSuiteFile(resolve(context.dir, text));
  } catch (error) {
    if (!(error instanceof SuiteFileError)) throw error;
    throw StepFailedError.setup(options.channel, error);
  }
}

/**
 * Resolves a step's TLS options.
 *
 * @param spec The step's own options, if any.
 * @param context The scenario's state: the suite's defaults, its folder and variables.
 * @param options `channel`, the connection's name, for errors.
 * @returns What the TLS client gets.
 * @throws {StepFailedError} A set-up error when a PEM file cannot be read.
 */
export async function tlsOptionsFor(
  spec: TlsSpec | undefined,
  context: StepContext,
  options: { channel: string },
): Promise<TlsClientOptions> {
  const merged: TlsSpec = { ...context.tls, ...spec };
  const pem = (value: string | undefined): Promise<string | undefined> =>
    value === undefined ? Promise.resolve(undefined) : readPem(value, context, options);
  const [ca, cert, key] = await Promise.all([pem(merged.ca), pem(merged.cert), pem(merged.key)]);
  return {
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(merged.servername === undefined ? {} : { servername: fill(context, merged.servername) }),
    ...(merged.insecure === true ? { insecure: true } : {}),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(merged.alpn === undefined ? {} : { alpn: merged.alpn }),
  };
}
