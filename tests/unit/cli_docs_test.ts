/**
 * The option lists in `--help`, the usage lines and the README agree with the
 * command table, so none of them can drift from what the parser accepts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadAllCommands } from "../../lib/cli/commands.ts";

const COMMANDS = await loadAllCommands();
import { GLOBAL_HELP, GLOBAL_OPTIONS } from "../../lib/cli/command.ts";
import { repoRoot } from "../helpers/cli.ts";

const readme = Deno.readTextFileSync(join(repoRoot, "README.md"));

/** The README's command table: command name → its row. */
function readmeRows(): Map<string, string> {
  const start = readme.indexOf("## Commands");
  const table = readme.slice(start, readme.indexOf("\n\n", readme.indexOf("| command |", start)));
  const rows = new Map<string, string>();
  for (const line of table.split("\n").filter((l) => l.startsWith("| `"))) {
    // A row may document two commands (`a …`, `b …`).
    for (const match of line.matchAll(/`([a-z][a-z-]*)(?: [^`]*)?`/g)) {
      if (COMMANDS.some((c) => c.name === match[1])) rows.set(match[1], line);
    }
  }
  return rows;
}

Deno.test("--help and the usage line name every option each command accepts", () => {
  const problems: string[] = [];
  for (const command of COMMANDS) {
    for (const [name, spec] of Object.entries(command.options)) {
      if (!command.help.includes(`--${name}`)) {
        problems.push(`${command.name} --help lacks --${name}`);
      }
      const inUsage = command.usage.includes(`--${name}`) ||
        (spec.short !== undefined && command.usage.includes(`-${spec.short} `));
      if (!inUsage) problems.push(`${command.name}'s usage lacks --${name}: ${command.usage}`);
    }
  }
  assert.deepEqual(problems, []);
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    assert.ok(GLOBAL_HELP.includes(`--${name}`), `the global help lacks --${name}`);
    if (spec.short) assert.ok(GLOBAL_HELP.includes(`-${spec.short},`), `no -${spec.short}`);
  }
});

Deno.test("the README lists every command, and each option it shows is one the command takes", () => {
  const rows = readmeRows();
  for (const command of COMMANDS) {
    const row = rows.get(command.name);
    assert.ok(row, `the README's command table has no row for ${command.name}`);
    for (const match of row.matchAll(/--([a-z][a-z-]*)/g)) {
      const option = match[1];
      assert.ok(
        option in command.options || option in GLOBAL_OPTIONS || option === "version",
        `README shows ${command.name} --${option}, which it does not take`,
      );
    }
  }
  const globals = readme.slice(
    readme.indexOf("Global options:"),
    readme.indexOf("\n\n", readme.indexOf("Global options:")),
  );
  for (const name of Object.keys(GLOBAL_OPTIONS)) {
    assert.ok(globals.includes(`--${name}`), `README's global options lack --${name}`);
  }
});

Deno.test("2nex help [COMMAND] prints what --help prints; --version sits with the options", async () => {
  const { twonex } = await import("../helpers/cli.ts");
  const top = await twonex(["help"]);
  assert.equal(top.code, 0);
  assert.equal(top.stdout, (await twonex(["--help"])).stdout);
  assert.match(top.stdout, /--version +print the version\n\nEnvironment:/);
  const build = await twonex(["help", "build"]);
  assert.equal(build.code, 0);
  assert.equal(build.stdout, (await twonex(["build", "--help"])).stdout);
  const unknown = await twonex(["help", "biuld"]);
  assert.equal(unknown.code, 2);
});
