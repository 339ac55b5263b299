import { assertEquals, assertThrows } from "@std/assert";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration reads every unit", () => {
  assertEquals(parseDuration("150ms"), 150);
  assertEquals(parseDuration("2s"), 2_000);
  assertEquals(parseDuration("1.5s"), 1_500);
  assertEquals(parseDuration("1m"), 60_000);
  assertEquals(parseDuration("1h"), 3_600_000);
});

Deno.test("parseDuration rejects a number without a unit", () => {
  assertThrows(
    () => parseDuration("200"),
    RangeError,
    `Invalid duration "200": expected a number with a unit (ms, s, m, h), like "150ms" or "2s"`,
  );
  assertThrows(() => parseDuration("fast"), RangeError, `Invalid duration "fast"`);
  assertThrows(() => parseDuration("-1s"), RangeError);
});

Deno.test("formatDuration picks a readable unit", () => {
  assertEquals(formatDuration(850), "850ms");
  assertEquals(formatDuration(1_250), "1.25s");
  assertEquals(formatDuration(125_000), "2m5s");
});
