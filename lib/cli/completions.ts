/**
 * `2nex completions bash|zsh|fish`: shell completion scripts made from the
 * command table, so a new command or option completes without editing them.
 * @module
 */
import type { Command, OptionSpecs } from "./command.ts";
import { GLOBAL_OPTIONS } from "./command.ts";
import { ExitCode, InvalidInputError } from "../util/mod.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = typeof SHELLS[number];

export const completionsCommand: Command = {
  name: "completions",
  summary: "print a shell completion script (bash, zsh or fish)",
  usage: "2nex completions bash|zsh|fish",
  help: `Prints a script that completes 2nex's commands and options in SHELL.

Example:
  2nex completions bash > /etc/bash_completion.d/2nex
  2nex completions zsh > "\${fpath[1]}/_2nex"
  2nex completions fish > ~/.config/fish/completions/2nex.fish`,
  options: {},
  minPositionals: 1,
  maxPositionals: 1,
  async run(context, positionals) {
    const shell = positionals[0];
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new InvalidInputError(`unknown shell "${shell}"`, { hint: "use bash, zsh or fish" });
    }
    // Imported here: the command table lists this command itself.
    const { loadAllCommands } = await import("./commands.ts");
    const script = completionScript(shell as Shell, await loadAllCommands());
    if (context.out.options.json) context.out.json({ shell, script });
    else context.out.print(script);
    return ExitCode.ok;
  },
};

/** The completion script for `shell` covering `commands`. */
export function completionScript(shell: Shell, commands: Command[]): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return zshScript(commands);
    case "fish":
      return fishScript(commands);
  }
}

/** `--name` and `-x` words of a command's options and the global ones. */
function optionWords(options: OptionSpecs): string[] {
  const words: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    words.push(`--${name}`);
    if (spec.short) words.push(`-${spec.short}`);
  }
  return words;
}

function bashScript(commands: Command[]): string {
  const global = optionWords(GLOBAL_OPTIONS).join(" ");
  const cases = commands.map((c) =>
    `    ${c.name}) opts="${optionWords(c.options).join(" ")} ${global}" ;;`
  ).join("\n");
  return `# bash completion for 2nex, written by \`2nex completions bash\`
_2nex() {
  local cur=\${COMP_WORDS[COMP_CWORD]} command="" i opts
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
    -C | --workspace | --repo) ((i++)) ;;
    -*) ;;
    *) command=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$command" ]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "${global} --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "${commands.map((c) => c.name).join(" ")}" -- "$cur")
    fi
    return
  fi
  case $command in
${cases}
    *) opts="${global}" ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -F _2nex 2nex
`;
}

/** Text in single quotes for zsh and fish, with quotes and colons kept literal. */
function quoted(text: string, colons = false): string {
  const escaped = text.replaceAll("'", "'\\''");
  return `'${colons ? escaped.replaceAll(":", "\\:") : escaped}'`;
}

function zshScript(commands: Command[]): string {
  const list = commands.map((c) => `    ${quoted(`${c.name}:${c.summary}`)}`).join("\n");
  const cases = commands.map((c) =>
    `    ${c.name}) options=(${optionWords(c.options).map((w) => quoted(w)).join(" ")}) ;;`
  ).join("\n");
  const global = optionWords(GLOBAL_OPTIONS).map((w) => quoted(w)).join(" ");
  return `#compdef 2nex
# zsh completion for 2nex, written by \`2nex completions zsh\`
_2nex() {
  local -a commands options
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
  options+=(${global})
  if [[ $PREFIX == -* ]]; then
    compadd -- $options
  else
    _files
  fi
}
compdef _2nex 2nex
`;
}

function fishScript(commands: Command[]): string {
  const lines = [
    "# fish completion for 2nex, written by `2nex completions fish`",
    "complete -c 2nex -f",
  ];
  const names = commands.map((c) => c.name).join(" ");
  for (const c of commands) {
    lines.push(
      `complete -c 2nex -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${
        quoted(c.summary)
      }`,
    );
    for (const [name, spec] of Object.entries(c.options)) {
      const short = spec.short ? ` -s ${spec.short}` : "";
      const value = spec.type === "string" ? " -r" : "";
      lines.push(
        `complete -c 2nex -n "__fish_seen_subcommand_from ${c.name}" -l ${name}${short}${value}`,
      );
    }
  }
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    const short = spec.short ? ` -s ${spec.short}` : "";
    lines.push(`complete -c 2nex -l ${name}${short}${spec.type === "string" ? " -r" : ""}`);
  }
  return lines.join("\n") + "\n";
}
