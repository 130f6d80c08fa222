/**
 * How messages name a package: `slug@version (flavor)`, one format for every
 * warning, error and progress line.
 * @module
 */
import type { Manifest } from "../manifest/mod.ts";

export function describe(m: Manifest): string {
  return `${m.package.slug}@${m.package.version} (${m.package.flavor})`;
}
