/**
 * Where commands print: human text on stdout, diagnostics and progress on
 * stderr, JSON on stdout with --json; colour only on a terminal without NO_COLOR.
 * @module
 */
import { type Diagnostic, formatDiagnostic } from "../manifest/diagnostics.ts";

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  cwd: string;
}

const encoder = new TextEncoder();

export class Output {
  constructor(readonly options: OutputOptions) {}

  /** A result line on stdout (suppressed in JSON mode, where `json()` is used). */
  print(text: string): void {
    Deno.stdout.writeSync(encoder.encode(text + "\n"));
  }

  /** A machine-readable result on stdout. */
  json(value: unknown): void {
    Deno.stdout.writeSync(encoder.encode(JSON.stringify(value, null, 2) + "\n"));
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
