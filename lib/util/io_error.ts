/**
 * Failures of the machine rather than of 2nex or a manifest: a full disk, a
 * read-only file system, a path 2nex may not write, a failing device. They
 * become one error class, exit 1, whose single line says what 2nex was doing
 * and on which path, with a hint on what to fix. Nothing in them is a bug, so
 * they never print a stack trace.
 *
 * @example
 * ```ts
 * const logPath = "/tmp/build.log";
 * using file = await Deno.open(logPath, { write: true, create: true });
 * await guardIo("writing the build log", logPath, () => file.write(new Uint8Array([10])));
 * ```
 * @module
 */
import { FailureError } from "./errors.ts";

/** The errno codes that mean the machine is at fault, with what to tell the user. */
const IO_FAULTS: Record<string, { reason: string; hint: string }> = {
  ENOSPC: {
    reason: "no space left on device",
    hint: "free some space and run again (`2nex gc` drops what no ref needs)",
  },
  EDQUOT: {
    reason: "disk quota exceeded",
    hint: "free some space or raise the quota, then run again",
  },
  EROFS: {
    reason: "read-only file system",
    hint: "2nex must write there: remount it writable or point the workspace at a writable place",
  },
  EACCES: {
    reason: "permission denied",
    hint: "check the owner and mode of that path and of the directories above it",
  },
  EPERM: {
    reason: "operation not permitted",
    hint: "check the owner, mode and attributes (chattr) of that path",
  },
  EIO: {
    reason: "input/output error",
    hint: "the device reported an error: check it (dmesg) before running again",
  },
};

/** The errno code of `error` when it is one of the machine faults above, else undefined. */
export function ioFaultCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === "string" && code in IO_FAULTS) return code;
  // Some of Deno's errors carry no code; the OS error number is in the message.
  const number = error.message.match(/\(os error (\d+)\)/)?.[1];
  return number === undefined ? undefined : CODES_BY_NUMBER[Number(number)];
}

/** Linux errno numbers of the codes above, for messages that only have the number. */
const CODES_BY_NUMBER: Record<number, string> = {
  1: "EPERM",
  5: "EIO",
  13: "EACCES",
  28: "ENOSPC",
  30: "EROFS",
  122: "EDQUOT",
};

/** The text strerror(3) gives each code, as tools such as ostree print it. */
const STRERROR: Record<string, string> = {
  ENOSPC: "No space left on device",
  EDQUOT: "Disk quota exceeded",
  EROFS: "Read-only file system",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EIO: "Input/output error",
};

/**
 * `error` (a tool's failure, whose message holds the tool's stderr) as an
 * IoError when the tool reports one of the machine faults; else unchanged.
 */
export function asToolIoError(error: unknown, operation: string, path: string): unknown {
  if (!(error instanceof Error)) return error;
  for (const [code, text] of Object.entries(STRERROR)) {
    if (error.message.includes(text)) return new IoError(code, operation, path, error);
  }
  return error;
}

/** Exit 1: an I/O fault of the machine, with the path and what 2nex was doing there. */
export class IoError extends FailureError {
  /** The errno code: ENOSPC, EROFS, EACCES, EPERM, EDQUOT or EIO. */
  readonly code: string;

  /** `operation` is a phrase such as "writing the build log"; `path` what it was done to. */
  constructor(code: string, operation: string, path: string | undefined, cause?: unknown) {
    const fault = IO_FAULTS[code] ?? { reason: code, hint: undefined };
    super(`${fault.reason} while ${operation}${path ? ` ${path}` : ""}`, {
      hint: fault.hint,
      cause,
    });
    this.code = code;
  }
}

/** `error` as an IoError when it is a machine fault; anything else is returned unchanged. */
export function asIoError(error: unknown, operation: string, path?: string): unknown {
  if (error instanceof IoError) return error;
  const code = ioFaultCode(error);
  return code === undefined ? error : new IoError(code, operation, path, error);
}

/** Runs `work`; a machine fault it throws becomes an IoError naming `operation` and `path`. */
export async function guardIo<T>(
  operation: string,
  path: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asIoError(error, operation, path);
  }
}

/**
 * An IoError for a machine fault that reached the top level unwrapped: the
 * operation and path come from Deno's message (`… (os error 28): open '/x'`)
 * when it has them.
 */
export function ioErrorFromUnknown(error: unknown): IoError | undefined {
  if (error instanceof IoError) return error;
  const code = ioFaultCode(error);
  if (code === undefined) return undefined;
  // `open '/x'`, or `rename '/a' -> '/b'` for calls on two paths.
  const detail = (error as Error).message.match(/\(os error \d+\): (\w+) '(.*)'$/);
  const operation = detail ? describeSyscall(detail[1]) : "reading or writing a file";
  return new IoError(code, operation, detail?.[2].replace("' -> '", " -> "), error);
}

/** Deno names the call that failed (`writefile`, `mkdir`, …); a phrase for the message. */
function describeSyscall(call: string): string {
  const phrases: Record<string, string> = {
    open: "opening",
    readfile: "reading",
    writefile: "writing",
    mkdir: "creating the directory",
    rename: "renaming",
    remove: "removing",
    copy: "copying",
    link: "linking",
    symlink: "creating the symlink",
    chmod: "changing the mode of",
    stat: "reading the status of",
    lstat: "reading the status of",
    readdir: "listing",
    truncate: "truncating",
  };
  return phrases[call] ?? `${call} on`;
}
