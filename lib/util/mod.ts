/**
 * What every folder shares: errors with exit codes, I/O errors with hints,
 * running subprocesses, atomic file writes and tree removal, the workspace
 * lock, symlinks, and the host's architecture.
 *
 * @example
 * ```ts
 * const { stdout } = await run(["ostree", "--version"]);
 * if (!stdout.includes("ostree")) throw new FailureError("ostree did not answer");
 * ```
 * @module
 */
export {
  errorMessage,
  ExitCode,
  FailureError,
  InvalidInputError,
  type SourcePosition,
  TwonexError,
  VerificationError,
} from "./errors.ts";
export { asIoError, asToolIoError, guardIo, IoError, ioErrorFromUnknown } from "./io_error.ts";
export { acquireLock } from "./lock.ts";
export { exists, linkOrCopyNew, removeTree, unshareHardLinks, writeFileAtomic } from "./fs.ts";
export { guardChildrenWith, waitForLeftoverChildren } from "./child_lock.ts";
export { hostArch, hostTarget } from "./platform.ts";
export { makeSymlink } from "./symlink.ts";
export { lineStarts, positionAt } from "./lines.ts";
export { run, spawnError } from "./process.ts";
export { EventLoopTurns } from "./event_loop.ts";
