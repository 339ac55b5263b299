import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { INCOMPLETE, matched } from "./match/result.ts";
import { RunningProcess, SpawnError } from "./process.ts";

async function processExists(pattern: string): Promise<boolean> {
  const { code } = await new Deno.Command("pgrep", { args: ["-f", pattern] }).output();
  return code === 0;
}

Deno.test("a process's output is kept and its exit reported", async () => {
  await using child = RunningProcess.start(["sh", "-c", "echo out; echo err >&2; exit 3"], {
    name: "p",
  });
  const exit = await child.exited;
  assertEquals(exit, { code: 3, signal: null, stoppedByUs: false });
  await child.stop();
  assertEquals(child.stdoutText(), "out\n");
  assertEquals(child.stderrText(), "err\n");
});

Deno.test("stopping a process stops its children too", async () => {
  // A distinctive sleep length marks the grandchildren for pgrep.
  const marker = `sleep ${3000 + Math.floor(Math.random() * 6000)}`;
  const child = RunningProcess.start(["sh", "-c", `${marker} & ${marker} & echo started; wait`], {
    name: "p",
  });
  await child.waitForOutput((out) => out.includes("started"), AbortSignal.timeout(5000));
  assertEquals(await processExists(marker), true);
  await child.stop(500);
  assertEquals(child.exit?.stoppedByUs, true);
  assertEquals(await processExists(marker), false);
});

Deno.test("a child that ignores SIGTERM is killed after the grace period", async () => {
  const child = RunningProcess.start([
    "sh",
    "-c",
    "trap '' TERM; echo ready; while :; do sleep 1; done",
  ], {
    name: "stubborn",
  });
  await child.waitForOutput((out) => out.includes("ready"), AbortSignal.timeout(5000));
  const exit = await child.stop(100);
  assertEquals(exit.signal, "SIGKILL");
  assertEquals(exit.stoppedByUs, true);
});

Deno.test("stdin reaches the process and closing it sends end-of-file", async () => {
  await using child = RunningProcess.start(["cat"], { name: "cat" });
  await child.write(new TextEncoder().encode("hello\n"), AbortSignal.timeout(5000));
  await child.closeStdin();
  await child.closeStdin();
  assertEquals((await child.exited).code, 0);
  await child.stop();
  assertEquals(child.stdoutText(), "hello\n");
});

Deno.test("a missing program is reported clearly", () => {
  assertThrows(
    () => RunningProcess.start(["parley-no-such-program"], { name: "p" }),
    SpawnError,
    `Cannot run "parley-no-such-program": command not found`,
  );
});

Deno.test("Python output reaches us unbuffered", async () => {
  await using child = RunningProcess.start([
    "python3",
    "-c",
    "import time; print('now'); time.sleep(30)",
  ], {
    name: "py",
  });
  const seen = await child.waitForOutput((out) => out.includes("now"), AbortSignal.timeout(5000));
  assertEquals(seen, true);
  assertStringIncludes(child.stdoutText(), "now");
});

Deno.test("keepLatest holds the latest max_buffer bytes and never holds the process up", async () => {
  // 4 MiB of output against a 64 KiB buffer that nobody reads.
  await using child = RunningProcess.start(
    ["sh", "-c", "head -c 4194304 /dev/zero | tr '\\0' a; printf END"],
    { name: "p", maxBuffer: 64 * 1024, keepLatest: true },
  );
  const exit = await child.exited;
  assertEquals(exit.code, 0);
  await child.stdout.waitForActivity(AbortSignal.timeout(5000));
  const outcome = await child.stdout.waitFor(
    (bytes, ended) => ended ? matched(bytes.length) : INCOMPLETE,
    AbortSignal.timeout(5000),
  );
  assertEquals(outcome.status, "matched");
  const kept = outcome.status === "matched" ? outcome.bytes : new Uint8Array();
  assertEquals(kept.length, 64 * 1024);
  assertEquals(new TextDecoder().decode(kept.subarray(-3)), "END");
  assertEquals(child.outputSizes.stdout, 4 * 1024 * 1024 + 3);
});
