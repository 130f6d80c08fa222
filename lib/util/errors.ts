/**
 * Errors that 2nex reports to users. Each carries the exit code of SPEC section 2,
 * a message a user can act on, an optional hint and an optional file position.
 * The CLI prints them without a stack trace.
 *
 * @example
 * ```ts
 * throw new InvalidInputError("unknown package \"hllo\"", { hint: 'did you mean "hello"?' });
 * ```
 * @module
 */

/** Process exit codes fixed by the contract. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  invalid: 2,
  verification: 3,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** A 1-based line and column in a file. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export interface ErrorDetails {
  hint?: string;
  position?: SourcePosition;
  cause?: unknown;
}

/** Base class of every error meant for the user. */
export class TwonexError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly position?: SourcePosition;

  constructor(exitCode: ExitCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = details.hint;
    this.position = details.position;
  }
}

/** Exit 2: usage, manifest, expression, unknown package, dependency cycle. */
export class InvalidInputError extends TwonexError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(ExitCode.invalid, message, details);
  }
}

/** Exit 1: a build, fetch or tool failure. */
export class FailureError extends TwonexError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(ExitCode.failure, message, details);
  }
}

/** Exit 3: an output hash differs from the manifest, or rounds differ. */
export class VerificationError extends TwonexError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(ExitCode.verification, message, details);
  }
}

/** The message of any thrown value, for wrapping foreign errors. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
