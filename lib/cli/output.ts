/**
 * Where commands print: human text on stdout, diagnostics and progress on
 * stderr, JSON on stdout with --json; colour only on a terminal without NO_COLOR.
 * @module
 */
import { type Diagnostic, formatDiagnostic } from "../manifest/mod.ts";

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  cwd: string;
}

const encoder = new TextEncoder();

/**
 * The version of every JSON document 2nex prints (its `version` field), one
 * for all commands; raised when any shape changes incompatibly. The schemas
 * are in docs/schemas/.
 */
export const JSON_VERSION = 1;

/** What `--json` prints for an error, in place of the command's document. */
export interface JsonError {
  message: string;
  hint: string | null;
  exitCode: number;
  /** Where in a file the error is, when it is about one. */
  file: string | null;
  line: number | null;
  column: number | null;
  /** Every problem, for errors that carry several (an invalid 2nex.yaml). */
  diagnostics: JsonDiagnostic[];
}

/** A diagnostic in JSON: `lint` lists them, errors carry them. */
export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: "error" | "warning";
  message: string;
  hint: string | null;
}

/** A diagnostic as `lint --json` and JSON errors list it. */
export function jsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  return {
    file: d.file,
    line: d.line,
    column: d.col,
    severity: d.severity,
    message: d.message,
    hint: d.hint ?? null,
  };
}

export class Output {
  /** The command being run, named in every JSON document; null before one is known. */
  command: string | null = null;

  constructor(readonly options: OutputOptions) {}

  /** A result line on stdout (suppressed in JSON mode, where `json()` is used). */
  print(text: string): void {
    Deno.stdout.writeSync(encoder.encode(text + "\n"));
  }

  /**
   * The command's one machine-readable document on stdout: `fields` after
   * `version` and `command`. Paths in it are absolute.
   */
  json(fields: Record<string, unknown>): void {
    const document = { version: JSON_VERSION, command: this.command, ...fields };
    Deno.stdout.writeSync(encoder.encode(JSON.stringify(document, null, 2) + "\n"));
  }

  /** An error as the JSON document of a command that failed. */
  jsonError(error: JsonError): void {
    this.json({ error });
  }

  /** Progress and information on stderr, hidden by --quiet. */
  info(text: string): void {
    if (!this.options.quiet) Deno.stderr.writeSync(encoder.encode(text + "\n"));
  }

  warn(text: string): void {
    Deno.stderr.writeSync(encoder.encode(`${this.paint("1;33", "warning")}: ${text}\n`));
  }

  error(text: string, hint?: string): void {
    let message = `${this.paint("1;31", "error")}: ${text}\n`;
    if (hint) message += `${this.paint("1;36", "hint")}: ${hint}\n`;
    Deno.stderr.writeSync(encoder.encode(message));
  }

  diagnostic(d: Diagnostic): void {
    if (d.severity === "warning" && this.options.quiet) return;
    Deno.stderr.writeSync(
      encoder.encode(
        formatDiagnostic(d, { color: this.options.color, relativeTo: this.options.cwd }) + "\n",
      ),
    );
  }

  paint(code: string, text: string): string {
    return this.options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** Colour is on for a terminal on stderr unless NO_COLOR is set or --no-color given. */
export function wantsColor(noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  let noColorEnv: string | undefined;
  try {
    noColorEnv = Deno.env.get("NO_COLOR");
  } catch {
    noColorEnv = undefined;
  }
  if (noColorEnv !== undefined && noColorEnv !== "") return false;
  return Deno.stderr.isTerminal();
}
