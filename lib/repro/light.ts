/**
 * The part of lib/repro/ that the launcher may load (scripts/check-imports.ts
 * keeps what the launcher loads light): where libfaketime is looked for, which a command
 * that may use it must be allowed to read.
 *
 * @example
 * ```ts
 * import { libfaketimeCandidates } from "./light.ts";
 * libfaketimeCandidates().every((path) => path.endsWith("libfaketime.so.1")); // true
 * ```
 * @module
 */
export { libfaketimeCandidates } from "./detect.ts";
