// Peak memory of whole runs against flooding peers, measured on a child
// process by the kernel (getrusage), not guessed.

import { assertEquals, assertLess, assertStringIncludes } from "@std/assert";
import { CLI, fixture, reportFigure, runMeasured, startPythonPeer } from "./_helpers.ts";

Deno.test("a 5 s flood of 1-byte UDP datagrams stays under 300 MB", async () => {
  await using peer = await startPythonPeer(
    await Deno.readTextFile(fixture("hostile/udp_flood.py")).then((script) =>
      script.replace("float(sys.argv[1])", "5.0")
    ),
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/flood.yaml`,
      `name: udp flood
steps:
  - connect: { to: "udp://127.0.0.1:${peer.port}" }
  - send: "go"
  - sleep: 5s
  - expect: "not x"
`,
    );
    const run = await runMeasured([Deno.execPath(), "run", "-A", CLI, "run", `${dir}/flood.yaml`]);
    assertEquals(run.code, 1);
    assertStringIncludes(run.stdout, "datagrams dropped");
    assertLess(run.peakMiB, 300, `peak RSS ${run.peakMiB.toFixed(0)} MiB`);
    reportFigure(`UDP flood for 5s: peak RSS ${run.peakMiB.toFixed(0)} MiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("150 failing scenarios against a flooding peer write every report under 400 MB", async () => {
  await using peer = await startPythonPeer(
    await Deno.readTextFile(fixture("hostile/tcp_flood.py")),
  );
  const dir = await Deno.makeTempDir();
  try {
    const scenarios = Array.from({ length: 150 }, (_, i) =>
      `  - name: flooded ${i}
    steps:
      - connect
      - expect: { line: "never", timeout: 50ms }`).join("\n");
    await Deno.writeTextFile(
      `${dir}/flood.yaml`,
      `name: tcp flood\ntarget: tcp://127.0.0.1:${peer.port}\nscenarios:\n${scenarios}\n`,
    );
    const run = await runMeasured([
      Deno.execPath(),
      "run",
      "-A",
      CLI,
      "run",
      `${dir}/flood.yaml`,
      "--reporter",
      `json=${dir}/report.json`,
      "--reporter",
      `junit=${dir}/report.xml`,
      "--reporter",
      `html=${dir}/report.html`,
    ]);
    assertEquals(run.code, 1, run.stderr);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assertEquals(report.summary.failed, 150);
    assertStringIncludes(await Deno.readTextFile(`${dir}/report.xml`), `failures="150"`);
    const html = (await Deno.stat(`${dir}/report.html`)).size;
    assertLess(html, 20 * 1024 * 1024, `HTML report of ${html} bytes`);
    assertLess(run.peakMiB, 400, `peak RSS ${run.peakMiB.toFixed(0)} MiB`);
    const json = (await Deno.stat(`${dir}/report.json`)).size;
    reportFigure(
      `150 flooded scenarios: peak RSS ${run.peakMiB.toFixed(0)} MiB, HTML ${
        (html / 1024 / 1024).toFixed(1)
      } MiB, JSON ${(json / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
