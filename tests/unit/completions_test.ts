import assert from "node:assert/strict";
import { completionScript } from "../../lib/cli/completions.ts";
import { loadAllCommands } from "../../lib/cli/commands.ts";

const COMMANDS = await loadAllCommands();

/** What bash's completion offers for `words`, the last one being completed. */
async function bashComplete(words: string[]): Promise<string[]> {
  const script = completionScript("bash", COMMANDS) + `
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
_2nex
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const output = await new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).output();
  assert.equal(output.code, 0);
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean).sort();
}

Deno.test("bash completion: commands, then each command's own and the global options", async () => {
  assert.deepEqual(await bashComplete(["2nex", "gr"]), ["graph"]);
  assert.deepEqual(await bashComplete(["2nex", "-C", "ws", "why"]), ["why-depends"]);
  assert.deepEqual(await bashComplete(["2nex", "build", "--re"]), ["--rebuild", "--repo"]);
  assert.deepEqual(await bashComplete(["2nex", "graph", "--rev"]), ["--reverse"]);
  // An option of another command is not offered.
  assert.deepEqual(await bashComplete(["2nex", "lint", "--reb"]), []);
});

Deno.test("zsh and fish completion name every command and every option", () => {
  for (const shell of ["zsh", "fish"] as const) {
    const script = completionScript(shell, COMMANDS);
    for (const command of COMMANDS) {
      assert.match(script, new RegExp(`\\b${command.name}\\b`), `${shell}: ${command.name}`);
      for (const option of Object.keys(command.options)) {
        const word = shell === "fish" ? `-l ${option}` : `--${option}`;
        assert.ok(script.includes(word), `${shell}: ${command.name} ${word}`);
      }
    }
  }
});
