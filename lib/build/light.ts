/**
 * The part of lib/build/ that commands which only read manifests need (`lint`,
 * `graph`, `show`): where the workspace's cache keeps what. Importing
 * lib/build/mod.ts would load the builder, the sandbox and the fetchers.
 *
 * @example
 * ```ts
 * import { cacheLayout } from "./light.ts";
 * const manifestCache = cacheLayout("/ws/.2nex/cache").manifests;
 * ```
 * @module
 */
export { cacheLayout } from "./layout.ts";
