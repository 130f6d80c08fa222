/** `2nex init [DIR]`: a starter 2nex.yaml (if missing) and the repository. */
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "./command.ts";
import {
  CONFIG_FILE,
  discoverManifests,
  EDITOR_SCHEMAS,
  editorSchemaFile,
  type EditorSchemaName,
  editorSchemaText,
  loadWorkspace,
  schemaModeline,
  STARTER_CONFIG,
  WORKSPACE_SCHEMA_DIR,
} from "../workspace/mod.ts";
import { Store } from "../store/mod.ts";
import { ExitCode } from "../util/mod.ts";
import {
  EXAMPLE_MANIFEST_PATH,
  EXAMPLE_SOURCE,
  EXAMPLE_SOURCE_PATH,
  exampleManifest,
} from "./init_example.ts";

export const initCommand: Command = {
  name: "init",
  summary: "write a starter 2nex.yaml if missing and create the repository",
  usage: "2nex init [DIR]",
  help: `Creates DIR (default: the workspace, else the current directory), writes a
commented 2nex.yaml there unless one exists, creates the manifests directory and
the ostree repository. Into a workspace with no manifest yet it writes an example,
manifests/hello.yaml: a C program built with the host's compiler, offline.
It keeps the JSON Schemas of manifests and 2nex.yaml in .2nex-schema/, which
the files it writes name on their first line, for editors. Running it again
changes nothing but schemas that an older 2nex wrote.

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
      const modeline = schemaModeline(`${WORKSPACE_SCHEMA_DIR}/${editorSchemaFile("config")}`);
      await Deno.writeTextFile(configPath, `${modeline}\n${STARTER_CONFIG}`, { createNew: true });
      wrote = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const ws = await loadWorkspace(dir);
    if (context.globals.repo) ws.config.repo = resolve(context.cwd, context.globals.repo);
    for (const manifests of ws.config.manifests) await Deno.mkdir(manifests, { recursive: true });
    await writeEditorSchemas(dir);
    const example = await writeExample(dir, ws.config.manifests);
    await Store.open(ws.config.repo, { create: true });
    if (context.out.options.json) {
      context.out.json({
        workspace: dir,
        config: configPath,
        created: wrote,
        repo: ws.config.repo,
        example: example ?? null,
      });
    } else {
      context.out.info(`${wrote ? "wrote" : "kept"} ${configPath}`);
      context.out.info(`repository ${ws.config.repo}`);
      if (example) context.out.info(`wrote the example ${example} (try: 2nex build hello)`);
    }
    return ExitCode.ok;
  },
};

/**
 * Writes the example package into the first manifests directory when the
 * workspace has no manifest at all; returns the manifest's path if it did.
 */
async function writeExample(
  workspace: string,
  manifestDirs: string[],
): Promise<string | undefined> {
  if (manifestDirs.length === 0 || discoverManifests(manifestDirs).length > 0) return undefined;
  const dir = manifestDirs[0];
  await Deno.mkdir(join(dir, "hello"), { recursive: true });
  await Deno.writeTextFile(join(dir, EXAMPLE_SOURCE_PATH), EXAMPLE_SOURCE, { createNew: true });
  const manifest = join(dir, EXAMPLE_MANIFEST_PATH);
  const schema = join(workspace, WORKSPACE_SCHEMA_DIR, editorSchemaFile("manifest"));
  const modeline = schemaModeline(relative(dirname(manifest), schema));
  await Deno.writeTextFile(manifest, `${modeline}\n${exampleManifest()}`, { createNew: true });
  return manifest;
}

/**
 * Writes the schemas of this 2nex's manifests and 2nex.yaml into the
 * workspace, where the `$schema` lines of the files init writes point: a path
 * relative to the file works in an editor wherever the workspace is, and
 * needs neither the 2nex repository nor the network. A file that is already
 * current is left alone.
 */
async function writeEditorSchemas(workspace: string): Promise<void> {
  const dir = join(workspace, WORKSPACE_SCHEMA_DIR);
  await Deno.mkdir(dir, { recursive: true });
  for (const name of Object.keys(EDITOR_SCHEMAS) as EditorSchemaName[]) {
    const path = join(dir, editorSchemaFile(name));
    const text = editorSchemaText(name);
    const current = await Deno.readTextFile(path).catch(() => undefined);
    if (current !== text) await Deno.writeTextFile(path, text);
  }
}
