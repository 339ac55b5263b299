// Certificates for TLS tests, made by openssl: a CA and a server
// certificate it signed for "localhost" and 127.0.0.1.

/** PEM files in a folder. */
export interface Certificates {
  /** The folder. */
  readonly dir: string;
  /** The CA's certificate. */
  readonly ca: string;
  /** The server's certificate. */
  readonly cert: string;
  /** The server's key. */
  readonly key: string;
  /** A client certificate the CA signed, for client authentication. */
  readonly clientCert: string;
  /** The client certificate's key. */
  readonly clientKey: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** Makes a key and a certificate for `subject`, signed by the CA in `dir`, with an extension. */
async function signed(
  dir: string,
  name: string,
  options: { subject: string; extension: string },
): Promise<void> {
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    options.subject,
  ], dir);
  await Deno.writeTextFile(`${dir}/${name}.cnf`, `${options.extension}\n`);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.cnf`,
  ], dir);
}

/**
 * Makes a CA, a server certificate it signed for localhost and 127.0.0.1,
 * and a client certificate, in a new folder.
 *
 * @returns The files.
 */
export async function makeCertificates(): Promise<Certificates> {
  const dir = await Deno.makeTempDir({ prefix: "parley-certs-" });
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Parley Test CA",
  ], dir);
  await signed(dir, "server", {
    subject: "/CN=localhost",
    extension: "subjectAltName=DNS:localhost,IP:127.0.0.1",
  });
  await signed(dir, "client", {
    subject: "/CN=parley-client",
    extension: "extendedKeyUsage=clientAuth",
  });
  return {
    dir,
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
  };
}
