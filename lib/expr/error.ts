/**
 * Errors of the expression language and the locators that turn an offset inside
 * an expression's text into a file position.
 *
 * Lexer, parser and evaluator throw {@link ExprFailure}: an offset plus a message,
 * independent of where the text came from, so a parsed template can be cached and
 * its errors replayed for every scalar that holds the same text. The public entry
 * points convert it into an {@link ExprError} with a real file/line/column.
 * @module
 */
import { InvalidInputError, type SourcePosition } from "../util/mod.ts";

/** Maps an offset within the decoded text of a string to a 1-based file line and column. */
export interface TextLocator {
  /** The file errors are reported in. */
  file: string;
  /** 1-based line and column of `offset` (an offset into the decoded string). */
  locate(offset: number): { line: number; col: number };
}

/** A user mistake in an expression or template (exit 2), with the position of the failing part. */
export class ExprError extends InvalidInputError {
  /** An error with an optional position (file, 1-based line and column) and hint. */
  constructor(message: string, position?: SourcePosition, hint?: string) {
    super(message, { position, hint });
  }
}

/** Internal failure at an offset of the text being evaluated; converted by {@link toExprError}. */
export class ExprFailure {
  constructor(readonly offset: number, readonly message: string, readonly hint?: string) {}
}

/** Throws an {@link ExprFailure}; typed `never` so callers can use it in expressions. */
export function fail(offset: number, message: string, hint?: string): never {
  throw new ExprFailure(offset, message, hint);
}

/** The ExprError of a failure, positioned through `where`. */
export function toExprError(failure: ExprFailure, where: TextLocator): ExprError {
  return errorAt(where, failure.offset, failure.message, failure.hint);
}

/** An ExprError at `offset` of the text that `where` locates. */
export function errorAt(
  where: TextLocator,
  offset: number,
  message: string,
  hint?: string,
): ExprError {
  let place: { line: number; col: number };
  try {
    place = where.locate(offset);
  } catch {
    // A locator is a convenience for the message; it must never hide the real error.
    place = { line: 0, col: 0 };
  }
  return new ExprError(message, { file: where.file, line: place.line, col: place.col }, hint);
}

/** Rethrows an ExprFailure as an ExprError located by `where`; anything else unchanged. */
export function rethrowLocated(error: unknown, where: TextLocator): never {
  if (error instanceof ExprFailure) throw toExprError(error, where);
  throw error;
}

/**
 * A locator for text that is itself the whole file (for `2nex eval`): lines are
 * counted from the text's own line breaks.
 */
export function plainLocator(file: string, text: string): TextLocator {
  return {
    file,
    locate(offset: number) {
      let line = 1;
      let lineStart = 0;
      const end = Math.min(Math.max(offset, 0), text.length);
      for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
        line++;
        lineStart = i + 1;
      }
      return { line, col: end - lineStart + 1 };
    },
  };
}
