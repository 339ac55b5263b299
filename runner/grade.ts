/**
 * Grading a class: one suite against every submission in a folder, each
 * student on their own (their programs, ports and processes), a gradebook
 * out.
 *
 * @module
 */

import { join } from "@std/path/posix/join";
import { resolve } from "@std/path/posix/resolve";
import { Deadline } from "./deadline.ts";
import { loadSuite } from "./load.ts";
import { createReporters } from "./report/mod.ts";
import type { RunSummary } from "./result.ts";
import { runFiles } from "./run_files.ts";
import { RunTimeLimitError } from "./stop_reason.ts";
import type { ProcessLimits, Suite } from "./suite.ts";

/** How one student's grading ended. */
export type GradeStatus = "graded" | "error" | "timeout";

/** One row of the gradebook. */
export interface StudentGrade {
  /** The submission's folder name. */
  readonly student: string;
  /** Points earned. */
  readonly score: number;
  /** Points possible. */
  readonly maxScore: number;
  /** `graded`, `error` (Parley could not set up a test), or `timeout` (graded on what finished). */
  readonly status: GradeStatus;
  /** Points earned per scenario, in the suite's order. */
  readonly points: readonly number[];
  /** Whether each scenario passed, in the suite's order. */
  readonly passed: readonly boolean[];
}

/** The whole class. */
export interface GradeSummary {
  /** The scenarios' names, in the suite's order (the gradebook's columns). */
  readonly scenarios: readonly string[];
  /** One per student, sorted by name. */
  readonly students: readonly StudentGrade[];
  /** What a teacher should know: e.g. students graded one at a time for a fixed port. */
  readonly notes: readonly string[];
}

/** Options for {@linkcode gradeClass}. */
export interface GradeOptions {
  /**
   * The folder the gradebook and each student's reports are written to.
   *
   * @default {"grades"}
   */
  out?: string;
  /**
   * How many students are graded at once.
   *
   * @default {navigator.hardwareConcurrency}
   */
  jobs?: number;
  /**
   * The most time one student may take, in milliseconds; a student who
   * runs out is graded on what finished, with status `timeout`.
   *
   * @default {300000}
   */
  maxTime?: number;
  /**
   * Called as students finish, for a progress line.
   *
   * @default {undefined}
   */
  progress?: (done: number, running: number, failed: number, total: number) => void;
  /**
   * Stops grading (Ctrl-C): students not yet graded are left out.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** The default time one student may take: 5 minutes. */
export const DEFAULT_STUDENT_TIME = 5 * 60_000;

/**
 * Limits for students' programs when the suite sets none. No process
 * count: `RLIMIT_NPROC` counts every process (and thread) of the grader's
 * user, so a default would fail students for the grader's own processes.
 */
export const DEFAULT_STUDENT_LIMITS: ProcessLimits = {
  cpu: 10_000,
  memory: 256 * 1024 * 1024,
  fileSize: 10 * 1024 * 1024,
  openFiles: 256,
};

/**
 * A CSV field: quoted when it holds a comma, a quote or a line break.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { csvField } from "./grade.ts";
 * assertEquals(csvField(`say "hi", twice`), `"say ""hi"", twice"`);
 * ```
 *
 * @param value The value.
 * @returns The field.
 */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The gradebook: `student,score,max_score,status`, then the points earned
 * per scenario.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gradesCsv } from "./grade.ts";
 * const csv = gradesCsv({
 *   scenarios: ["echo"],
 *   students: [{ student: "ada", score: 1, maxScore: 1, status: "graded", points: [1], passed: [true] }],
 *   notes: [],
 * });
 * assertEquals(csv, "student,score,max_score,status,echo\nada,1,1,graded,1\n");
 * ```
 *
 * @param summary The class's grades.
 * @returns The CSV text.
 */
export function gradesCsv(summary: GradeSummary): string {
  const header = ["student", "score", "max_score", "status", ...summary.scenarios];
  const rows = summary.students.map((grade) => [
    grade.student,
    grade.score,
    grade.maxScore,
    grade.status,
    ...grade.points,
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/**
 * The summary a teacher reads at the end: the score distribution, and per
 * scenario how many students passed it (a test that nobody passes may be
 * too hard, or broken).
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { gradeTable } from "./grade.ts";
 * const text = gradeTable({
 *   scenarios: ["echo"],
 *   students: [{ student: "ada", score: 1, maxScore: 1, status: "graded", points: [1], passed: [true] }],
 *   notes: [],
 * });
 * assertStringIncludes(text, "echo: 1/1 passed");
 * ```
 *
 * @param summary The class's grades.
 * @returns The text.
 */
export function gradeTable(summary: GradeSummary): string {
  const { students } = summary;
  const lines = [`${students.length} ${students.length === 1 ? "student" : "students"}`];
  const statuses = (["error", "timeout"] as const)
    .map((status) => [status, students.filter((grade) => grade.status === status).length] as const)
    .filter(([, count]) => count > 0);
  if (statuses.length > 0) {
    lines[0] += ` (${
      statuses.map(([status, count]) => `${count} ${status}${count === 1 ? "" : "s"}`).join(", ")
    })`;
  }
  const max = Math.max(0, ...students.map((grade) => grade.maxScore));
  const counts = new Map<number, number>();
  for (const grade of students) counts.set(grade.score, (counts.get(grade.score) ?? 0) + 1);
  lines.push("", "score distribution:");
  for (const score of [...counts.keys()].sort((a, b) => b - a)) {
    const count = counts.get(score)!;
    lines.push(`  ${String(score).padStart(5)}/${max}  ${"#".repeat(count)} ${count}`);
  }
  lines.push("", "per scenario:");
  summary.scenarios.forEach((name, index) => {
    const passed = students.filter((grade) => grade.passed[index]).length;
    const flag = students.length > 1 && passed === 0
      ? "  (nobody passed: too hard, or broken?)"
      : "";
    lines.push(`  ${name}: ${passed}/${students.length} passed${flag}`);
  });
  return lines.join("\n") + "\n";
}

/** The submissions: the folder's direct subfolders, sorted; hidden ones left out. */
async function submissionsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
  }
  return names.sort();
}

async function gradeStudent(
  suite: Suite,
  file: string,
  student: string,
  submission: string,
  options: { out: string; maxTime: number; signal: AbortSignal | undefined },
): Promise<StudentGrade> {
  const dir = join(options.out, student);
  await Deno.mkdir(dir, { recursive: true });
  const reporters = await createReporters(
    [
      `gradescope=${join(dir, "results.json")}`,
      `html=${join(dir, "report.html")}`,
      `pretty=${join(dir, "feedback.txt")}`,
    ],
    { color: false },
  );
  using limit = new Deadline(
    options.maxTime,
    [options.signal],
    () => new RunTimeLimitError(options.maxTime, "--max-time"),
  );
  const summary: RunSummary = await runFiles([file], {
    reporters,
    variables: { submission },
    signal: limit.signal,
    jobs: 1,
    defaultLimits: DEFAULT_STUDENT_LIMITS,
  });
  const scenarios = summary.suites[0]?.scenarios ?? [];
  const passed = suite.scenarios.map((scenario) =>
    scenarios.find((each) => each.name === scenario.name)?.status === "passed"
  );
  const points = suite.scenarios.map((scenario, index) => passed[index] ? scenario.points : 0);
  const timedOut = limit.signal.aborted && limit.signal.reason instanceof RunTimeLimitError;
  return {
    student,
    score: points.reduce((sum, each) => sum + each, 0),
    maxScore: suite.scenarios.reduce((sum, scenario) => sum + scenario.points, 0),
    status: summary.errors > 0 ? "error" : timedOut ? "timeout" : "graded",
    points,
    passed,
  };
}

/**
 * Grades every submission in a folder with one suite: each direct subfolder
 * is a student, named by the folder, that the suite reaches as
 * `${submission}` (the folder's absolute path). Writes `grades.csv` and, per
 * student, `results.json` (Gradescope), `report.html` and `feedback.txt`.
 *
 * @example
 * ```ts ignore
 * import { gradeClass } from "./grade.ts";
 * const grades = await gradeClass("assignment.yaml", "submissions", { out: "grades" });
 * ```
 *
 * @param suiteFile The suite.
 * @param submissionsDir The folder of submissions.
 * @param options Where to write, how many at once, the time each may take.
 * @returns The class's grades.
 * @throws {InvalidSuiteError} When the suite is invalid.
 * @throws {Deno.errors.NotFound} When the submissions folder does not exist.
 */
export async function gradeClass(
  suiteFile: string,
  submissionsDir: string,
  options: GradeOptions = {},
): Promise<GradeSummary> {
  const out = options.out ?? "grades";
  const suite = await loadSuite(suiteFile, { variables: ["submission"] });
  const students = await submissionsIn(submissionsDir);
  const notes: string[] = [];
  let jobs = Math.max(1, options.jobs ?? navigator.hardwareConcurrency);
  if (suite.program?.port !== undefined && jobs > 1) {
    // Two students' programs cannot both listen on one port.
    notes.push(
      `The suite's program listens on fixed port ${suite.program.port}: students are graded one at a time`,
    );
    jobs = 1;
  }
  await Deno.mkdir(out, { recursive: true });
  const grades: StudentGrade[] = [];
  let next = 0;
  let running = 0;
  let failed = 0;
  const report = (): void => options.progress?.(grades.length, running, failed, students.length);
  async function worker(): Promise<void> {
    while (next < students.length && !options.signal?.aborted) {
      const student = students[next++]!;
      running++;
      report();
      try {
        const grade = await gradeStudent(
          suite,
          suiteFile,
          student,
          resolve(submissionsDir, student),
          { out, maxTime: options.maxTime ?? DEFAULT_STUDENT_TIME, signal: options.signal },
        );
        if (grade.score < grade.maxScore || grade.status !== "graded") failed++;
        grades.push(grade);
      } finally {
        running--;
        report();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, students.length) }, worker));
  const summary: GradeSummary = {
    scenarios: suite.scenarios.map((scenario) => scenario.name),
    students: grades.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0)),
    notes,
  };
  await Deno.writeTextFile(join(out, "grades.csv"), gradesCsv(summary));
  return summary;
}
