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
  const pem = async (key: "ca" | "cert" | "key"): Promise<string | undefined> => {
    const value = merged[key];
    if (value === undefined) return undefined;
    const text = fill(context, value);
    if (text.includes("-----BEGIN ")) return text;
    try {
      return await readSuiteFile(resolve(context.dir, text));
    } catch (error) {
      if (!(error instanceof SuiteFileError)) throw error;
      throw StepFailedError.setup(options.channel, error);
    }
  };
  const [ca, cert, key] = await Promise.all([pem("ca"), pem("cert"), pem("key")]);
  return {
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(merged.servername === undefined ? {} : { servername: fill(context, merged.servername) }),
    ...(merged.insecure === true ? { insecure: true } : {}),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(merged.alpn === undefined ? {} : { alpn: merged.alpn }),
  };
}
