/** `2nex init [DIR]`: a starter 2nex.yaml (if missing) and the repository. */
import { join, resolve } from "node:path";
import type { Command } from "./command.ts";
import { CONFIG_FILE, loadWorkspace, STARTER_CONFIG } from "../workspace/config.ts";
import { Store } from "../store/repo.ts";
import { ExitCode } from "../util/errors.ts";

export const initCommand: Command = {
  name: "init",
  summary: "write a starter 2nex.yaml if missing and create the repository",
  usage: "2nex init [DIR]",
  help: `Creates DIR (default: the workspace, else the current directory), writes a
commented 2nex.yaml there unless one exists, creates the manifests directory and
the ostree repository. Running it again changes nothing.

Example:
  2nex init my-distro && cd my-distro && 2nex lint`,
  options: {},
  maxPositionals: 1,
  async run(context, positionals) {
    const dir = positionals[0] !== undefined
      ? resolve(context.cwd, positionals[0])
      : context.globals.workspace
      ? resolve(context.cwd, context.globals.workspace)
      : context.cwd;
    await Deno.mkdir(dir, { recursive: true });
    const configPath = join(dir, CONFIG_FILE);
    let wrote = false;
    try {
      await Deno.writeTextFile(configPath, STARTER_CONFIG, { createNew: true });
      wrote = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const ws = await loadWorkspace(dir);
    if (context.globals.repo) ws.config.repo = resolve(context.cwd, context.globals.repo);
    for (const manifests of ws.config.manifests) await Deno.mkdir(manifests, { recursive: true });
    await Store.open(ws.config.repo, { create: true });
    if (context.out.options.json) {
      context.out.json({
        workspace: dir,
        config: configPath,
        created: wrote,
        repo: ws.config.repo,
      });
    } else {
      context.out.info(`${wrote ? "wrote" : "kept"} ${configPath}`);
      context.out.info(`repository ${ws.config.repo}`);
    }
    return ExitCode.ok;
  },
};
