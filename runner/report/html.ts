/**
 * A self-contained HTML report (no network fetches): the summary, then every
 * scenario with a sequence diagram of its conversation drawn as SVG, the
 * failed step marked with expected against received. Long transcripts stay
 * usable: scenarios are collapsible and searchable, and diagrams are clipped.
 *
 * @module
 */

import { formatDuration } from "../duration.ts";
import type { RunSummary, ScenarioResult, SuiteResult } from "../result.ts";
import type { TranscriptEvent } from "../transcript.ts";
import { formatFailure } from "./failure.ts";
import { previewBytes, previewExpected, previewReceived, retryNote } from "./format.ts";
import type { Reporter } from "./reporter.ts";

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

const ROW = 24;
const LANE = 220;
const LEFT = 150;
const MAX_ARROWS = 400;

/**
 * Draws a scenario's conversation as an SVG sequence diagram: a lifeline for
 * Parley and one per connection, listener and process, an arrow per send and
 * receive with a preview of the bytes and its time.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { sequenceDiagram } from "./html.ts";
 * const svg = sequenceDiagram([{ at: 1, channel: "main", kind: "send", bytes: new TextEncoder().encode("hi"), size: 2 }]);
 * assert(svg.includes("<svg") && svg.includes("&quot;hi&quot;"));
 * ```
 *
 * @param events The transcript.
 * @param failure The failed step's message (and what was expected and received), drawn at the end.
 * @returns The SVG markup.
 */
export function sequenceDiagram(
  events: readonly TranscriptEvent[],
  failure?: string | { message: string; expected?: string; received?: string },
): string {
  const shown = events.slice(0, MAX_ARROWS);
  const lanes = [...new Set(shown.map((event) => event.channel))];
  // Under each lifeline's name, what it talks to: the server, the listener's port, the process.
  const peers = new Map<string, string>();
  for (const event of shown) {
    if (event.kind === "connect" && event.detail !== undefined && !peers.has(event.channel)) {
      peers.set(event.channel, event.detail.slice(0, 40));
    }
  }
  const failed = typeof failure === "string" ? { message: failure } : failure;
  const x = (channel: string): number => LEFT + LANE * (lanes.indexOf(channel) + 1);
  const rows = shown.length + (failed === undefined ? 0 : 4) +
    (events.length > shown.length ? 1 : 0);
  // Room on the right for the notes of the last lifeline.
  const width = LEFT + LANE * (lanes.length + 1) + 200;
  const height = 72 + rows * ROW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="sequence diagram">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>`,
    `<text x="${LEFT}" y="20" class="lane">Parley</text>`,
    `<line x1="${LEFT}" y1="40" x2="${LEFT}" y2="${height - 8}" class="lifeline"/>`,
  ];
  for (const lane of lanes) {
    parts.push(`<text x="${x(lane)}" y="20" class="lane">${escapeHtml(lane)}</text>`);
    const peer = peers.get(lane);
    if (peer !== undefined) {
      parts.push(`<text x="${x(lane)}" y="34" class="peer">${escapeHtml(peer)}</text>`);
    }
    parts.push(
      `<line x1="${x(lane)}" y1="40" x2="${x(lane)}" y2="${height - 8}" class="lifeline"/>`,
    );
  }
  shown.forEach((event, index) => {
    const y = 62 + index * ROW;
    const time = `${event.at.toFixed(1)}ms`;
    parts.push(`<text x="8" y="${y + 4}" class="time">${time}</text>`);
    const preview = event.bytes === undefined
      ? ""
      : previewBytes(event.bytes, { max: 40, size: event.size ?? event.bytes.length });
    if (event.kind === "send" || event.kind === "receive") {
      const [from, to] = event.kind === "send"
        ? [LEFT, x(event.channel)]
        : [x(event.channel), LEFT];
      parts.push(
        `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" class="${event.kind}" marker-end="url(#arrow)"/>`,
        `<text x="${(from + to) / 2}" y="${y - 5}" class="label ${event.kind}">${
          escapeHtml(preview)
        }</text>`,
      );
    } else {
      parts.push(
        `<circle cx="${x(event.channel)}" cy="${y}" r="4" class="event ${event.kind}"/>`,
        `<text x="${x(event.channel) + 8}" y="${y + 4}" class="note">${
          escapeHtml(
            `${event.kind}${event.detail === undefined ? "" : `: ${event.detail}`}`.slice(0, 80),
          )
        }</text>`,
      );
    }
  });
  let y = 62 + shown.length * ROW;
  if (events.length > shown.length) {
    parts.push(
      `<text x="${LEFT}" y="${y + 4}" class="note">… ${
        events.length - shown.length
      } more events in the transcript below</text>`,
    );
    y += ROW;
  }
  if (failed !== undefined) {
    y += 8;
    const lines = [
      `✗ ${failed.message.slice(0, 160)}`,
      ...(failed.expected === undefined ? [] : [`expected ${failed.expected.slice(0, 150)}`]),
      ...(failed.received === undefined ? [] : [`received ${failed.received.slice(0, 150)}`]),
    ];
    parts.push(
      `<rect x="${LEFT - 6}" y="${y - 14}" width="${width - LEFT}" height="${
        lines.length * ROW + 4
      }" class="failed-box"/>`,
      ...lines.map((line, index) =>
        `<text x="${LEFT}" y="${y + 4 + index * ROW}" class="${
          index === 0 ? "failed-text" : "failed-detail"
        }">${escapeHtml(line)}</text>`
      ),
    );
  }
  parts.push(`</svg>`);
  return parts.join("\n");
}

/** The most transcript rows per scenario: a report of many flooded scenarios must stay openable. */
const MAX_TRANSCRIPT_ROWS = 120;

function transcriptRows(events: readonly TranscriptEvent[]): string {
  const row = (event: TranscriptEvent): string =>
    `<tr><td>${event.at.toFixed(1)}</td><td>${
      escapeHtml(event.channel)
    }</td><td>${event.kind}</td><td><code>${
      escapeHtml(
        event.bytes === undefined
          ? event.detail ?? ""
          : previewBytes(event.bytes, { max: 120, size: event.size ?? event.bytes.length }),
      )
    }</code></td></tr>`;
  if (events.length <= MAX_TRANSCRIPT_ROWS) return events.map(row).join("");
  const half = MAX_TRANSCRIPT_ROWS / 2;
  return [
    ...events.slice(0, half).map(row),
    `<tr><td></td><td></td><td></td><td>… ${
      events.length - 2 * half
    } events not shown (the JSON report has them all) …</td></tr>`,
    ...events.slice(-half).map(row),
  ].join("");
}

function scenarioHtml(suite: SuiteResult, scenario: ScenarioResult): string {
  // A set-up error is reported as a failure is, in a colour of its own.
  const failed = scenario.status === "failed" || scenario.status === "error";
  const failure = scenario.steps.at(-1)?.failure;
  const note = retryNote(scenario);
  const retried = note === undefined ? "" : ` <span class="retry">${escapeHtml(note)}</span>`;
  const report = failed
    ? `<pre class="report">${
      escapeHtml(formatFailure(suite.file, { ...scenario, transcript: [] }).join("\n"))
    }</pre>`
    : "";
  const expected = failure?.expected === undefined
    ? ""
    : `<div class="expected"><b>expected</b> <code>${
      escapeHtml(previewExpected(failure, 400) ?? failure.expected)
    }</code></div>`;
  const received = failure?.received === undefined
    ? ""
    : `<div class="received"><b>received</b> <code>${
      escapeHtml(previewReceived(failure, 400))
    }</code></div>`;
  const diagram = scenario.transcript.length === 0 && failure === undefined ? "" : sequenceDiagram(
    scenario.transcript,
    failed
      ? {
        message: failure?.message ?? scenario.note ?? "failed",
        ...(failure?.expected === undefined ? {} : {
          expected: previewExpected(failure, 60) ?? failure.expected,
        }),
        ...(failure?.received === undefined ? {} : {
          received: previewReceived(failure, 60),
        }),
      }
      : undefined,
  );
  const transcript = scenario.transcript.length === 0
    ? ""
    : `<details class="transcript"><summary>Transcript (${scenario.transcript.length} events)</summary><table>${
      transcriptRows(scenario.transcript)
    }</table></details>`;
  return `<details class="scenario ${scenario.status}" data-search="${
    escapeHtml(`${suite.file} ${suite.name} ${scenario.name}`.toLowerCase())
  }"${failed ? " open" : ""}>
<summary><span class="status">${
    scenario.status === "passed"
      ? "✓"
      : scenario.status === "failed"
      ? "✗"
      : scenario.status === "error"
      ? "!"
      : "–"
  }</span> ${escapeHtml(scenario.name)} <span class="time">${
    formatDuration(scenario.duration)
  }</span>${retried}${
    scenario.note !== undefined && !failed
      ? ` <span class="note">${escapeHtml(scenario.note)}</span>`
      : ""
  }</summary>
${expected}${received}${report}<div class="diagram">${diagram}</div>${transcript}
</details>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 22px; margin: 0 0 8px; }
.summary { display: flex; gap: 16px; margin: 8px 0 16px; font-size: 16px; }
.summary .passed { color: #1a7f37; } .summary .failed { color: #cf222e; } .summary .skipped { color: #9a6700; } .summary .errors { color: #8250df; }
#search { width: 360px; padding: 6px 8px; font-size: 14px; margin-bottom: 12px; }
.suite { margin: 16px 0; } .suite h2 { font-size: 16px; margin: 0 0 6px; }
.suite .error { color: #cf222e; }
details.scenario { border: 1px solid #d0d7de; border-radius: 6px; margin: 6px 0; padding: 4px 10px; }
details.scenario.failed { border-color: #cf222e; background: #fff8f8; }
details.scenario.error { border-color: #8250df; background: #fbf8ff; }
details.scenario summary { cursor: pointer; }
.status { font-weight: bold; } .passed .status { color: #1a7f37; } .failed .status { color: #cf222e; } .skipped .status { color: #9a6700; } .error .status { color: #8250df; }
.time, .note, .retry { color: #57606a; font-size: 12px; } .retry { color: #9a6700; }
pre.report { background: #f6f8fa; padding: 8px; overflow-x: auto; }
.expected code, .received code { background: #f6f8fa; padding: 2px 4px; }
.diagram { overflow-x: auto; }
svg.sequence text { font: 12px ui-monospace, monospace; }
svg.sequence .lane { font-weight: bold; text-anchor: middle; }
svg.sequence .lifeline { stroke: #8c959f; stroke-dasharray: 4 3; }
svg.sequence line.send { stroke: #0969da; } svg.sequence line.receive { stroke: #1a7f37; }
svg.sequence .label { text-anchor: middle; } svg.sequence .label.send { fill: #0969da; } svg.sequence .label.receive { fill: #1a7f37; }
svg.sequence .time { fill: #57606a; } svg.sequence .note { fill: #57606a; }
svg.sequence .event { fill: #8c959f; } svg.sequence .failed-box { fill: #ffebe9; stroke: #cf222e; }
svg.sequence .failed-text { fill: #cf222e; font-weight: bold; } svg.sequence .failed-detail { fill: #1b1f24; }
svg.sequence .peer { text-anchor: middle; fill: #57606a; font-size: 10px; }
table { border-collapse: collapse; font-size: 12px; } td { padding: 1px 8px; vertical-align: top; }
`;

const SCRIPT = `
const search = document.getElementById("search");
search.addEventListener("input", () => {
  const text = search.value.toLowerCase();
  for (const item of document.querySelectorAll("details.scenario")) {
    item.hidden = text !== "" && !item.dataset.search.includes(text) && !item.textContent.toLowerCase().includes(text);
  }
});
`;

/**
 * The HTML report for a run.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { htmlReport } from "./html.ts";
 * assert(htmlReport({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 }).startsWith("<!doctype html>"));
 * ```
 *
 * @param summary The run's results.
 * @returns One self-contained HTML page.
 */
export function htmlReport(summary: RunSummary): string {
  const invalid = summary.invalid.length === 0
    ? ""
    : `<section class="suite"><h2 class="error">Invalid files</h2><pre class="report">${
      escapeHtml(
        summary.invalid.map((issue) =>
          `${issue.file}${issue.line === undefined ? "" : `:${issue.line}`}: ${issue.message}`
        ).join("\n"),
      )
    }</pre></section>`;
  // Suites with failures first: that is what a reader opens the report for.
  const ordered = [...summary.suites].sort((a, b) =>
    Number(
      b.scenarios.some((scenario) => scenario.status !== "passed" && scenario.status !== "skipped"),
    ) -
    Number(
      a.scenarios.some((scenario) => scenario.status !== "passed" && scenario.status !== "skipped"),
    )
  );
  const suites = ordered.map((suite) =>
    `<section class="suite"><h2>${escapeHtml(suite.file)} <span class="time">${
      escapeHtml(suite.name)
    } · ${formatDuration(suite.duration)}</span></h2>${
      suite.error === undefined
        ? ""
        : `<p class="error">The suite could not start: ${escapeHtml(suite.error)}</p>`
    }${suite.scenarios.map((scenario) => scenarioHtml(suite, scenario)).join("\n")}</section>`
  ).join("\n");
  const score = summary.score === undefined
    ? ""
    : `<span>Score: ${summary.score.earned}/${summary.score.possible}</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley report</title><style>${STYLE}</style></head>
<body>
<h1>Parley report</h1>
<div class="summary"><span class="passed">${summary.passed} passed</span><span class="failed">${summary.failed} failed</span><span class="skipped">${summary.skipped} skipped</span>${
    summary.errors > 0 ? `<span class="errors">${summary.errors} set-up errors</span>` : ""
  }${score}<span>${formatDuration(summary.duration)}</span></div>
<input id="search" type="search" placeholder="Search scenarios and transcripts">
${invalid}
${suites}
<script>${SCRIPT}</script>
</body></html>
`;
}

/**
 * Writes the HTML report when the run ends.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { HtmlReporter } from "./html.ts";
 * let html = "";
 * await new HtmlReporter((text) => { html = text; }).runFinished({ suites: [], invalid: [], passed: 0, failed: 0, skipped: 0, errors: 0, duration: 0 });
 * assert(html.includes("Parley report"));
 * ```
 */
export class HtmlReporter implements Reporter {
  readonly #write: (text: string) => void | Promise<void>;

  /**
   * Creates the reporter.
   *
   * @param write Where the page goes.
   */
  constructor(write: (text: string) => void | Promise<void>) {
    this.#write = write;
  }

  /** Writes the page. */
  async runFinished(summary: RunSummary): Promise<void> {
    await this.#write(htmlReport(summary));
  }
}
