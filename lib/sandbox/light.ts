/**
 * The part of lib/sandbox/ that the launcher may load (scripts/check-imports.ts
 * keeps what the launcher loads light): the host directories host-mode builds see.
 *
 * @example
 * ```ts
 * import { HOST_SYSTEM_DIRS } from "./light.ts";
 * HOST_SYSTEM_DIRS.includes("usr"); // true
 * ```
 * @module
 */
export { HOST_SYSTEM_DIRS } from "./host_dirs.ts";
