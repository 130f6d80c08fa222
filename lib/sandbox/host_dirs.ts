/**
 * The host directories that host-mode builds see, in a module with no imports:
 * the launcher reads the list (to let 2nex look at what they are) before any
 * of the sandbox's code is loaded.
 *
 * @example
 * ```ts
 * import { HOST_SYSTEM_DIRS } from "./host_dirs.ts";
 * const mounted = HOST_SYSTEM_DIRS.map((name) => `/${name}`);
 * ```
 * @module
 */

/** The host directories host-mode builds see (SPEC section 5). */
export const HOST_SYSTEM_DIRS = ["usr", "bin", "sbin", "lib", "lib64"] as const;
