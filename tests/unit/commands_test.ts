/**
 * The command registry (lib/cli/commands.ts) loads each command on demand: the
 * names it lists must be the commands its loaders give, in the same order.
 */
import assert from "node:assert/strict";
import { COMMAND_NAMES, loadAllCommands, loadCommand } from "../../lib/cli/commands.ts";

Deno.test("commands: each name loads the command of that name, in --help's order", async () => {
  const commands = await loadAllCommands();
  assert.deepEqual(commands.map((command) => command.name), COMMAND_NAMES);
  for (const name of COMMAND_NAMES) assert.equal((await loadCommand(name))?.name, name);
});

Deno.test("commands: a name that is no command loads nothing, inherited names included", () => {
  for (const name of ["nope", "toString", "constructor", "__proto__", ""]) {
    assert.equal(loadCommand(name), undefined, name);
  }
});
