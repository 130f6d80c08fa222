/**
 * The original builder's semantics (`semantics: original` in 2nex.yaml): the
 * build mode of a package, its environment and shell options, the writable
 * root and inputs directory it builds in, and the checksum it is compared by.
 * @module
 */
export {
  describeOriginalMode,
  ORIGINAL_HOSTNAME,
  ORIGINAL_SHELL_OPTIONS,
  originalEnvironment,
  type OriginalMode,
  originalMode,
} from "./semantics.ts";
export { fillInputsDir, prepareOriginalRoot } from "./root.ts";
export { originalChecksum } from "./checksum.ts";
