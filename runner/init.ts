/**
 * `parley init assignment server|client|udp DIR`: a starting assignment a
 * teacher edits: a commented suite with one scenario of each classic
 * pattern, a reference solution it passes, an empty `bugs/` for buggy
 * variants, and a README for students.
 *
 * @module
 */

import { join } from "@std/path/posix/join";
import { ASSIGNMENT_KINDS, type AssignmentKind } from "./init_kinds.ts";
import { relative } from "@std/path/posix/relative";
import { resolve } from "@std/path/posix/resolve";

/** Parley's JSON Schema of scenario files, for the editor modeline. */
const SCHEMA_PATH = decodeURIComponent(
  new URL("../docs/scenario.schema.json", import.meta.url).pathname,
);

export { ASSIGNMENT_KINDS, type AssignmentKind };

/** `init` would overwrite something. */
export class InitError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is in the way.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InitError";
  }
}

const SERVER_SUITE = `# yaml-language-server: $schema=SCHEMA
# Assignment: a TCP server that answers each line with the line in upper case.
#
# The student's server takes its port as its only argument and listens on
# 127.0.0.1. Run the tests against a submission folder:
#   deno task scenario assignment.yaml --var submission=/path/to/submission
# and against the whole class:
#   deno task grade assignment.yaml submissions/
name: upper server
vars:
  submission: . # the folder holding server.py; --var or "grade" sets it
spawn:
  run: ["python3", "\${submission}/server.py", "\${port}"]
  per: scenario # a fresh server for every scenario: one failure does not cost the others
  limits: { cpu: 10s, memory: 256MiB }
timeout: 2s
scenarios:
  - name: answers a line
    points: 2
    steps:
      - connect
      - send: "hello\\n"
      - expect: { line: "HELLO" }

  # A message split over many writes catches a server that assumes one
  # recv() is one message.
  - name: answers a line that arrives in pieces
    points: 2
    steps:
      - connect
      - send: { text: "split me\\n", chunks: 4, delay: 50ms }
      - expect: { line: "SPLIT ME" }

  # One client holds its connection, silent; the other must still be served.
  # A server that serves one client at a time fails this every time.
  - name: serves two clients at once
    points: 3
    steps:
      - connect: { as: idle }
      - connect: { as: busy }
      - send: { on: busy, text: "second\\n" }
      - expect: { on: busy, line: "SECOND" }

  # Students see a hidden test's result only once grades are published.
  - name: keeps a connection open for many lines
    points: 3
    hidden: true
    steps:
      - connect
      - repeat:
          times: 5
          steps:
            - send: "line \${i}\\n"
            - expect: { line: "LINE \${i}" }
`;

const SERVER_SOLUTION = `# Reference solution: answers each line with the line in upper case.
import socket
import sys
import threading


def serve(conn):
    with conn:
        for line in conn.makefile("rb"):
            conn.sendall(line.upper())


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
`;

const CLIENT_SUITE = `# yaml-language-server: $schema=SCHEMA
# Assignment: a TCP client. It takes a port, connects to 127.0.0.1 there,
# reads a sentence from its input, sends it, and prints the server's reply
# as "From Server: ...". Parley plays the server.
#
#   deno task scenario assignment.yaml --var submission=/path/to/submission
name: upper client
vars:
  submission: .
timeout: 2s
scenarios:
  - name: sends the sentence and prints the reply
    points: 3
    steps:
      - listen: srv # a listener on a free port: \${srv.port}
      - spawn:
          as: client
          run: ["python3", "\${submission}/client.py", "\${srv.port}"]
          limits: { cpu: 10s, memory: 256MiB }
      - send: { on: client, text: "hello world\\n" } # its stdin
      - accept: { on: srv, as: conn }
      - expect: { on: conn, text: "hello world" }
      - send: { on: conn, text: "HELLO WORLD" }
      - close: conn
      - expect: { on: client, line: "From Server: HELLO WORLD" }
      - exit: { on: client, code: 0 }

  # The reply arrives in pieces: a client that prints after one recv() fails.
  - name: prints a reply that arrives in pieces
    points: 2
    hidden: true
    steps:
      - listen: srv
      - spawn: { as: client, run: ["python3", "\${submission}/client.py", "\${srv.port}"] }
      - send: { on: client, text: "abc\\n" }
      - accept: { on: srv, as: conn }
      - expect: { on: conn, text: "abc" }
      - send: { on: conn, text: "ABC", chunks: 3, delay: 50ms }
      - close: conn
      - expect: { on: client, line: "From Server: ABC" }
      - exit: { on: client }
`;

const CLIENT_SOLUTION = `# Reference solution: sends a sentence, prints the server's whole reply.
import socket
import sys

sentence = sys.stdin.readline().rstrip("\\n")
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as conn:
    conn.sendall(sentence.encode())
    conn.shutdown(socket.SHUT_WR)
    reply = b""
    while chunk := conn.recv(1024):
        reply += chunk
print("From Server:", reply.decode())
`;

const UDP_SUITE = `# yaml-language-server: $schema=SCHEMA
# Assignment: a UDP server that answers each datagram with it in upper case,
# to whoever sent it. It takes its port as its only argument.
#
#   deno task scenario assignment.yaml --var submission=/path/to/submission
name: upper udp server
vars:
  submission: .
spawn:
  run: ["python3", "\${submission}/server.py", "\${port}"]
  transport: udp
  limits: { cpu: 10s, memory: 256MiB }
timeout: 2s
scenarios:
  - name: answers a datagram
    points: 2
    steps:
      - connect
      - send: "ping"
      - expect: "PING"

  # Each datagram is answered to its own sender.
  - name: answers two senders, each their own
    points: 3
    steps:
      - connect: { as: a }
      - connect: { as: b }
      - send: { on: a, text: "from a" }
      - send: { on: b, text: "from b" }
      - expect: { on: b, text: "FROM B" }
      - expect: { on: a, text: "FROM A" }

  - name: answers many datagrams in order
    points: 3
    hidden: true
    steps:
      - connect
      - repeat:
          times: 5
          steps:
            - send: "n\${i}"
            - expect: "N\${i}"
`;

const UDP_SOLUTION = `# Reference solution: answers each datagram with it in upper case.
import socket
import sys

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, sender = server.recvfrom(65535)
    server.sendto(data.upper(), sender)
`;

function readme(kind: AssignmentKind, file: string): string {
  return `# Testing your ${kind === "client" ? "client" : "server"} before you hand it in

This folder holds the tests your submission is graded with (some of them;
hidden tests run only when grading). Put your \`${file}\` in a folder and run,
from the folder holding Parley:

\`\`\`sh
deno task scenario /path/to/this/folder/assignment.yaml --var submission=/path/to/your/folder
\`\`\`

Each failed test shows the step that failed, what was expected against what
arrived, and a transcript of the conversation. \`${file}\` here is the
teacher's reference solution: it passes every test.
`;
}

const FILES: Record<AssignmentKind, { suite: string; file: string; solution: string }> = {
  server: { suite: SERVER_SUITE, file: "server.py", solution: SERVER_SOLUTION },
  client: { suite: CLIENT_SUITE, file: "client.py", solution: CLIENT_SOLUTION },
  udp: { suite: UDP_SUITE, file: "server.py", solution: UDP_SOLUTION },
};

/**
 * Writes a starting assignment into `dir` (created; it must be empty or
 * missing): `assignment.yaml`, the reference solution, `bugs/` and
 * `README.md`.
 *
 * @example
 * ```ts ignore
 * import { initAssignment } from "./init.ts";
 * const written = await initAssignment("server", "lab1");
 * ```
 *
 * @param kind `server`, `client` or `udp`.
 * @param dir Where to write it.
 * @returns The files written.
 * @throws {InitError} When `dir` is a file or not empty.
 */
export async function initAssignment(kind: AssignmentKind, dir: string): Promise<string[]> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw new InitError(`Cannot write into "${dir}": it is a file`);
    for await (const _ of Deno.readDir(dir)) {
      throw new InitError(`Cannot write into "${dir}": it is not empty`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const { suite: template, file, solution } = FILES[kind];
  // Editors with yaml-language-server complete and check the suite against the schema.
  const suite = template.replace(
    "$schema=SCHEMA",
    `$schema=${relative(resolve(dir), SCHEMA_PATH)}`,
  );
  await Deno.mkdir(join(dir, "bugs"), { recursive: true });
  const written: [string, string][] = [
    [join(dir, "assignment.yaml"), suite],
    [join(dir, file), solution],
    [join(dir, "README.md"), readme(kind, file)],
    [join(dir, "bugs", ".keep"), ""],
  ];
  for (const [path, text] of written) await Deno.writeTextFile(path, text);
  return written.map(([path]) => path);
}
