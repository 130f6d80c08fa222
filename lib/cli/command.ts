/**
 * The shape of a CLI command and the options every command accepts.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InvalidInputError } from "../util/mod.ts";
import type { Output } from "./output.ts";
import { findWorkspaceRoot, loadWorkspace, type Workspace } from "../workspace/mod.ts";
import { resolve } from "node:path";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** e.g. "2nex lint [PATH…]" */
  usage: string;
  /** Longer text: what it does, its options, an example. */
  help: string;
  options: OptionSpecs;
  /** Most positionals accepted (Infinity for lists). */
  maxPositionals: number;
  minPositionals?: number;
  run(context: CommandContext, positionals: string[], options: OptionValues): Promise<number>;
}

/** Options of every command. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  workspace: { type: "string", short: "C" },
  repo: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  quiet: { type: "boolean", short: "q" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** The global options, as every help text lists them. */
export const GLOBAL_OPTIONS_HELP = `Global options:
  -C, --workspace DIR  workspace directory (default: nearest upward holding 2nex.yaml, else .)
      --repo PATH      ostree repository (overrides the config)
      --json           machine-readable output on stdout
  -v, --verbose        stream build logs, with the limits each build runs under
  -q, --quiet          only errors
      --no-color       no colours (NO_COLOR is honoured too)
  -h, --help           this help`;

/** Environment variables 2nex reads. */
export const ENVIRONMENT_HELP = `Environment:
  TWONEX_LOAD_THREADS=N  threads that validate manifests (default: the cores, at most 8)`;

/** The tail of every help text. */
export const GLOBAL_HELP = `${GLOBAL_OPTIONS_HELP}\n\n${ENVIRONMENT_HELP}`;

export class CommandContext {
  #workspace?: Workspace;

  constructor(
    readonly out: Output,
    readonly cwd: string,
    readonly globals: { workspace?: string; repo?: string },
  ) {}

  /** The workspace, loaded once; --repo overrides its repository. */
  async workspace(): Promise<Workspace> {
    if (!this.#workspace) {
      const root = this.globals.workspace
        ? await existingDirectory(resolve(this.cwd, this.globals.workspace), "-C")
        : await findWorkspaceRoot(this.cwd);
      const ws = await loadWorkspace(root);
      if (this.globals.repo) ws.config.repo = resolve(this.cwd, this.globals.repo);
      this.#workspace = ws;
    }
    return this.#workspace;
  }
}

/** `path` when it is a directory; a usage error naming `option` otherwise. */
async function existingDirectory(path: string, option: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw new InvalidInputError(`${option} ${path}: no such directory`);
  }
  if (!info.isDirectory) throw new InvalidInputError(`${option} ${path}: not a directory`);
  return path;
}

/** Parses a command's argv (global options allowed anywhere). */
export function parseCommandArgs(
  command: Command,
  argv: string[],
): { positionals: string[]; values: OptionValues } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error
      ? error.message.replace(/\. To specify a positional.*$/s, "")
      : String(error);
    throw new InvalidInputError(`${command.name}: ${message}`, { hint: `usage: ${command.usage}` });
  }
  const values = parsed.values as OptionValues;
  if (!values.help) {
    if (parsed.positionals.length > command.maxPositionals) {
      throw new InvalidInputError(`${command.name}: too many arguments`, {
        hint: `usage: ${command.usage}`,
      });
    }
    if (parsed.positionals.length < (command.minPositionals ?? 0)) {
      throw new InvalidInputError(`${command.name}: missing arguments`, {
        hint: `usage: ${command.usage}`,
      });
    }
  }
  return { positionals: parsed.positionals, values };
}

/** Reads an integer option, with a usage error when it is not one. */
export function integerOption(values: OptionValues, name: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidInputError(`--${name} takes a whole number of at least ${min}, got "${raw}"`);
  }
  return value;
}
