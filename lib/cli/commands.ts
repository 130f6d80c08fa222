/**
 * The registry of commands, in the order `2nex --help` lists them. A command's
 * module is loaded when the command is asked for: each brings the part of 2nex
 * it uses, so `lint` or `graph` do not load the builder, the sandbox and the
 * fetchers that `build` needs.
 * @module
 */
import type { Command } from "./command.ts";

const LOADERS = {
  init: async () => (await import("./init.ts")).initCommand,
  lint: async () => (await import("./lint.ts")).lintCommand,
  show: async () => (await import("./show.ts")).showCommand,
  graph: async () => (await import("./graph.ts")).graphCommand,
  "why-depends": async () => (await import("./why_depends.ts")).whyDependsCommand,
  eval: async () => (await import("./eval.ts")).evalCommand,
  fetch: async () => (await import("./store_commands.ts")).fetchCommand,
  vendor: async () => (await import("./store_commands.ts")).vendorCommand,
  build: async () => (await import("./build.ts")).buildCommand,
  hash: async () => (await import("./store_commands.ts")).hashCommand,
  checkout: async () => (await import("./store_commands.ts")).checkoutCommand,
  log: async () => (await import("./store_commands.ts")).logCommand,
  diff: async () => (await import("./diff.ts")).diffCommand,
  gc: async () => (await import("./store_commands.ts")).gcCommand,
  key: async () => (await import("./share.ts")).keyCommand,
  publish: async () => (await import("./share.ts")).publishCommand,
  provenance: async () => (await import("./provenance.ts")).provenanceCommand,
  "node-build": async () => (await import("./node_build.ts")).nodeBuildCommand,
  doctor: async () => (await import("./doctor.ts")).doctorCommand,
  completions: async () => (await import("./completions.ts")).completionsCommand,
} satisfies Record<string, () => Promise<Command>>;

type CommandName = keyof typeof LOADERS;

/** Every command's name, in the order of `2nex --help`. */
export const COMMAND_NAMES = Object.keys(LOADERS) as CommandName[];

/** The command called `name`, loaded; undefined for a name that is no command. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name as CommandName]() : undefined;
}

/** Every command, loaded (for the command list, help texts and completions). */
export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((name) => LOADERS[name]()));
}
