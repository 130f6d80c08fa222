/**
 * Entry point of the command line: global options, dispatch to a command, and
 * the one place where errors become messages and exit codes.
 * @module
 */
import {
  type Command,
  CommandContext,
  ENVIRONMENT_HELP,
  GLOBAL_HELP,
  GLOBAL_OPTIONS_HELP,
  parseCommandArgs,
} from "./command.ts";
import { jsonDiagnostic, type JsonError, Output, wantsColor } from "./output.ts";
import { ExitCode, ioErrorFromUnknown, TwonexError } from "../util/mod.ts";
import { VERSION } from "../version.ts";
import { WorkspaceConfigError } from "../workspace/mod.ts";
import { COMMAND_NAMES, loadAllCommands, loadCommand } from "./commands.ts";

/** Runs 2nex with `argv`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv);
  const out = new Output({
    json: flags.has("--json"),
    quiet: flags.has("-q") || flags.has("--quiet"),
    verbose: flags.has("-v") || flags.has("--verbose"),
    color: wantsColor(flags.has("--no-color")),
    cwd: Deno.cwd(),
  });
  try {
    return await dispatch(argv, out);
  } catch (error) {
    return reportError(error, out);
  }
}

async function dispatch(argv: string[], out: Output): Promise<number> {
  const commandIndex = findCommandIndex(argv);
  if (commandIndex === -1) {
    if (argv.includes("--version")) {
      out.print(`2nex ${VERSION}`);
      return ExitCode.ok;
    }
    out.print(await topLevelHelp());
    return argv.length === 0 || argv.includes("-h") || argv.includes("--help")
      ? ExitCode.ok
      : ExitCode.invalid;
  }
  const name = argv[commandIndex];
  if (name === "help") return help(argv.slice(commandIndex + 1), out);
  const command = await loadCommand(name);
  if (command) out.command = command.name;
  if (!command) {
    const { InvalidInputError } = await import("../util/mod.ts");
    const { closestNames } = await import("../expr/mod.ts");
    const close = closestNames(name, COMMAND_NAMES);
    throw new InvalidInputError(`unknown command "${name}"`, {
      hint: close.length > 0
        ? `did you mean "${close[0]}"? (2nex --help lists commands)`
        : "2nex --help lists commands",
    });
  }
  const rest = [...argv.slice(0, commandIndex), ...argv.slice(commandIndex + 1)];
  const { positionals, values } = parseCommandArgs(command, rest);
  if (values.help) {
    out.print(commandHelp(command));
    return ExitCode.ok;
  }
  const context = new CommandContext(out, Deno.cwd(), {
    workspace: values.workspace as string | undefined,
    repo: values.repo as string | undefined,
  });
  return await command.run(context, positionals, values);
}

/** The index of the command word: the first argument that is not an option or an option's value. */
function findCommandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-C" || arg === "--workspace" || arg === "--repo") {
      i++;
      continue;
    }
    if (!arg.startsWith("-")) return i;
  }
  return -1;
}

function reportError(thrown: unknown, out: Output): number {
  let error = thrown;
  // The reader went away (`2nex show x | head`): stop quietly, as other tools do.
  if (error instanceof Deno.errors.BrokenPipe) return ExitCode.ok;
  if (error instanceof WorkspaceConfigError) {
    if (out.options.json) {
      out.jsonError({
        ...jsonErrorBase(error.message, undefined, error.exitCode),
        diagnostics: error.diagnostics.map(jsonDiagnostic),
      });
    } else for (const d of error.diagnostics) out.diagnostic(d);
    return error.exitCode;
  }
  // A full disk or a read-only file system the code did not expect at that
  // spot is still the machine's fault, not a bug: one line, no stack.
  const ioError = ioErrorFromUnknown(error);
  if (ioError) error = ioError;
  if (error instanceof TwonexError) {
    const at = error.position && error.position.line > 0 ? error.position : undefined;
    if (out.options.json) {
      out.jsonError({
        ...jsonErrorBase(error.message, error.hint, error.exitCode),
        file: at?.file ?? null,
        line: at?.line ?? null,
        column: at?.col ?? null,
      });
    } else if (at) {
      out.diagnostic({ ...at, severity: "error", message: error.message, hint: error.hint });
    } else {
      out.error(error.message, error.hint);
    }
    return error.exitCode;
  }
  if (error instanceof Deno.errors.NotCapable) {
    // Deno's advice to "run again with --allow-…" is wrong here: the command
    // runs with what its command line allows (launch.ts), whatever the flags.
    const refused = error.message.replace(/, run again with the --allow-\S+ flag$/, "");
    const message = `2nex was not granted a permission it needs: ${refused}`;
    const hint = "2nex itself may touch only the workspace, its repository and cache, its " +
      "temporary directory and the paths named on the command line (README: Security model)";
    if (out.options.json) out.jsonError(jsonErrorBase(message, hint, ExitCode.failure));
    else out.error(message, hint);
    return ExitCode.failure;
  }
  // A bug in 2nex, not a user mistake: keep the stack for the report.
  const message = `internal error: ${
    error instanceof Error ? error.stack ?? error.message : String(error)
  }`;
  if (out.options.json) out.jsonError(jsonErrorBase(message, undefined, ExitCode.failure));
  else out.error(message);
  return ExitCode.failure;
}

function jsonErrorBase(message: string, hint: string | undefined, exitCode: number): JsonError {
  return {
    message,
    hint: hint ?? null,
    exitCode,
    file: null,
    line: null,
    column: null,
    diagnostics: [],
  };
}

/** `2nex help [COMMAND]`: the same texts as `--help`. */
async function help(args: string[], out: Output): Promise<number> {
  const wanted = args.find((a) => !a.startsWith("-"));
  if (wanted === undefined) {
    out.print(await topLevelHelp());
    return ExitCode.ok;
  }
  const command = await loadCommand(wanted);
  if (!command) {
    const { InvalidInputError } = await import("../util/mod.ts");
    throw new InvalidInputError(`unknown command "${wanted}"`, {
      hint: "2nex help lists commands",
    });
  }
  out.print(commandHelp(command));
  return ExitCode.ok;
}

async function topLevelHelp(): Promise<string> {
  const commands = await loadAllCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `2nex ${VERSION} — reproducible, source-based package builds from YAML manifests

Usage: 2nex [GLOBAL OPTIONS] COMMAND [ARGS…]

Commands:
${list}

${GLOBAL_OPTIONS_HELP}
      --version        print the version

${ENVIRONMENT_HELP}

Run \`2nex COMMAND --help\` for a command's options and an example.
Exit codes: 0 success, 1 build/fetch/tool failure, 2 invalid input, 3 verification failure.`;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}\n\n${command.help.trim()}\n\n${GLOBAL_HELP}`;
}
