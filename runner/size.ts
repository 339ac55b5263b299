/**
 * Sizes in bytes for people: `64 KiB`, `1 MiB`.
 *
 * @module
 */

/**
 * Writes a size with the largest binary unit that divides it evenly, or
 * that keeps one decimal: `1KiB` is `1 KiB`, `1536` is `1.5 KiB`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatSize } from "./size.ts";
 * assertEquals(formatSize(256 * 1024 * 1024), "256 MiB");
 * assertEquals(formatSize(1000), "1000 B");
 * ```
 *
 * @param bytes The size.
 * @returns The text.
 */
export function formatSize(bytes: number): string {
  const units = ["GiB", "MiB", "KiB"] as const;
  for (const [index, unit] of units.entries()) {
    const scale = 2 ** (10 * (3 - index));
    if (bytes >= scale) {
      const value = bytes / scale;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} B`;
}
