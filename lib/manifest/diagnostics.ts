/**
 * Diagnostics: `FILE:LINE:COL: error: MESSAGE`, the offending source line with a
 * caret, and an optional `hint:` line (SPEC section 2).
 *
 * @example
 * ```ts
 * const d: Diagnostic = { file: "m.yaml", line: 3, col: 5, severity: "error", message: "bad" };
 * console.log(formatDiagnostic(d));
 * ```
 * @module
 */
import { lineStarts, positionAt, type SourcePosition, type TwonexError } from "../util/mod.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  line: number;
  col: number;
  severity: Severity;
  message: string;
  hint?: string;
  /** The text of the offending line, for the caret display. */
  sourceLine?: string;
}

/** Collects the diagnostics of one file, with the file text at hand to show lines. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  #lineStarts?: number[];

  constructor(readonly file: string, readonly text: string = "") {}

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** Adds a diagnostic at a character offset of the file text. */
  atOffset(offset: number, severity: Severity, message: string, hint?: string): void {
    const { line, col } = this.position(offset);
    this.add({ file: this.file, line, col, severity, message, hint });
  }

  error(offset: number, message: string, hint?: string): void {
    this.atOffset(offset, "error", message, hint);
  }

  warning(offset: number, message: string, hint?: string): void {
    this.atOffset(offset, "warning", message, hint);
  }

  /** Adds a diagnostic with a known line and column (e.g. from an expression error). */
  add(diagnostic: Diagnostic): void {
    const sourceLine = diagnostic.sourceLine ?? this.lineText(diagnostic.line);
    this.items.push({ ...diagnostic, sourceLine });
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    return positionAt(this.lineStarts(), offset);
  }

  lineText(line: number): string | undefined {
    if (line < 1 || !this.text) return undefined;
    const starts = this.lineStarts();
    if (line > starts.length) return undefined;
    const end = line < starts.length ? starts[line] - 1 : this.text.length;
    return this.text.slice(starts[line - 1], end).replace(/\r$/, "");
  }

  private lineStarts(): number[] {
    this.#lineStarts ??= lineStarts(this.text);
    return this.#lineStarts;
  }
}

/** The diagnostic of an error that carries a position (expression errors, selectors). */
export function diagnosticOfError(error: TwonexError, fallbackFile = ""): Diagnostic {
  const position: SourcePosition = error.position ?? { file: fallbackFile, line: 0, col: 0 };
  return {
    file: position.file,
    line: position.line,
    col: position.col,
    severity: "error",
    message: error.message,
    hint: error.hint,
  };
}

export interface FormatOptions {
  color?: boolean;
  /** Paths are shown relative to this directory when inside it. */
  relativeTo?: string;
}

/** Renders a diagnostic for a terminal. */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const paint = (code: string, text: string) =>
    options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const file = displayPath(d.file, options.relativeTo);
  const where = d.line > 0 ? `${file}:${d.line}:${d.col}` : file;
  const label = d.severity === "error" ? paint("1;31", "error") : paint("1;33", "warning");
  const lines = [`${paint("1", where)}: ${label}: ${d.message}`];
  if (d.sourceLine !== undefined && d.line > 0) {
    const shown = d.sourceLine.length > 200 ? d.sourceLine.slice(0, 200) + "…" : d.sourceLine;
    lines.push(`  ${shown}`);
    const caretColumn = Math.min(Math.max(d.col - 1, 0), shown.length);
    const padding = shown.slice(0, caretColumn).replace(/[^\t]/g, " ");
    lines.push(`  ${padding}${paint("1;32", "^")}`);
  }
  if (d.hint) lines.push(`${paint("1;36", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

/** A path relative to `base` when it lies inside it, else unchanged. */
export function displayPath(path: string, base?: string): string {
  if (!base || !path.startsWith("/")) return path;
  const prefix = base.endsWith("/") ? base : base + "/";
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** Sorts diagnostics by file, line, column so output is deterministic. */
export function sortDiagnostics(items: Diagnostic[]): Diagnostic[] {
  return [...items].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col
  );
}
