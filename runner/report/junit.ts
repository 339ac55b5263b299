/**
 * JUnit XML, as GitHub, GitLab and Jenkins read it: one `<testsuite>` per
 * file, one `<testcase>` per scenario, the failure report in `<failure>` and
 * the transcript in `<system-out>`.
 *
 * @module
 */

import type { RunSummary, ScenarioResult, SuiteResult } from "../result.ts";
import { formatFailure, formatTranscript } from "./failure.ts";
import { retryNote } from "./format.ts";
import type { Reporter } from "./reporter.ts";

/**
 * Escapes text for XML content and attributes, dropping characters XML 1.0
 * cannot hold (the reports already show bytes as `\xNN`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeXml } from "./junit.ts";
 * assertEquals(escapeXml(`<a & "b">\u0001`), "&lt;a &amp; &quot;b&quot;&gt;");
 * ```
 *
 * @param text Any text.
 * @returns The escaped text.
 */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex -- these are exactly the characters XML 1.0 forbids
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testcase(suite: SuiteResult, scenario: ScenarioResult): string {
  const attributes = `name="${escapeXml(scenario.name)}" classname="${
    escapeXml(suite.file)
  }" time="${seconds(scenario.duration)}"`;
  const out = scenario.transcript.length === 0
    ? ""
    : `\n      <system-out>${
      escapeXml(formatTranscript(scenario.transcript, 500).join("\n"))
    }</system-out>`;
  if (scenario.status === "passed") {
    const note = retryNote(scenario);
    const retried = note === undefined
      ? ""
      : `\n      <properties><property name="retries" value="${
        (scenario.attempts ?? 1) - 1
      }"/><property name="retry_note" value="${escapeXml(note)}"/></properties>`;
    return `    <testcase ${attributes}>${retried}${out}\n    </testcase>`;
  }
  if (scenario.status === "skipped") {
    return `    <testcase ${attributes}>\n      <skipped message="${
      escapeXml(scenario.note ?? "")
    }"/>\n    </testcase>`;
  }
  const failure = scenario.steps.at(-1)?.failure;
  const message = failure?.message ?? scenario.note ?? "failed";
  const report = formatFailure(suite.file, { ...scenario, transcript: [] }).join("\n");
  // A set-up error is JUnit's <error> (the test could not run), not a <failure>.
  const element = scenario.status === "error" ? "error" : "failure";
  return `    <testcase ${attributes}>\n      <${element} message="${escapeXml(message)}" type="${
    escapeXml(failure?.reason ?? (scenario.status === "error" ? "setup" : "error"))
  }">${escapeXml(report)}</${element}>${out}\n    </testcase>`;
}

/**
 * The JUnit XML document for a run.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { junitXml } from "./junit.ts";
 * assert(junitXml({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 }).includes("<testsuites"));
 * ```
 *
 * @param summary The run's results.
 * @returns The XML text.
 */
export function junitXml(summary: RunSummary): string {
  const timestamp = new Date().toISOString().replace(/\.\d+Z$/, "");
  const suites = summary.suites.map((suite) => {
    const failures = suite.scenarios.filter((scenario) => scenario.status === "failed").length;
    const skipped = suite.scenarios.filter((scenario) => scenario.status === "skipped").length;
    const errors = suite.scenarios.filter((scenario) => scenario.status === "error").length;
    return [
      `  <testsuite name="${
        escapeXml(suite.file)
      }" tests="${suite.scenarios.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${
        seconds(suite.duration)
      }" timestamp="${timestamp}">`,
      ...suite.scenarios.map((scenario) => testcase(suite, scenario)),
      `  </testsuite>`,
    ].join("\n");
  });
  const invalid = [...new Set(summary.invalid.map((issue) => issue.file))].map((file) => {
    const issues = summary.invalid.filter((issue) => issue.file === file);
    return [
      `  <testsuite name="${
        escapeXml(file)
      }" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${timestamp}">`,
      `    <testcase name="valid suite file" classname="${escapeXml(file)}" time="0.000">`,
      `      <error message="${escapeXml(`${issues.length} validation errors`)}" type="invalid">${
        escapeXml(issues.map((issue) => issue.message).join("\n"))
      }</error>`,
      `    </testcase>`,
      `  </testsuite>`,
    ].join("\n");
  });
  const tests = summary.passed + summary.failed + summary.skipped + summary.errors +
    invalid.length;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="parley" tests="${tests}" failures="${summary.failed}" errors="${
      summary.errors + invalid.length
    }" skipped="${summary.skipped}" time="${seconds(summary.duration)}">`,
    ...suites,
    ...invalid,
    `</testsuites>`,
    "",
  ].join("\n");
}

/**
 * Writes JUnit XML when the run ends.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { JunitReporter } from "./junit.ts";
 * let xml = "";
 * await new JunitReporter((text) => { xml = text; }).runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assert(xml.startsWith("<?xml"));
 * ```
 */
export class JunitReporter implements Reporter {
  readonly #write: (text: string) => void | Promise<void>;

  /**
   * Creates the reporter.
   *
   * @param write Where the XML goes.
   */
  constructor(write: (text: string) => void | Promise<void>) {
    this.#write = write;
  }

  /** Writes the XML. */
  async runFinished(summary: RunSummary): Promise<void> {
    await this.#write(junitXml(summary));
  }
}
