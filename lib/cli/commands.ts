/** The registry of commands, in the order `2nex --help` lists them. */
import type { Command } from "./command.ts";
import { initCommand } from "./init.ts";
import { lintCommand } from "./lint.ts";
import { showCommand } from "./show.ts";
import { graphCommand } from "./graph.ts";
import { whyDependsCommand } from "./why_depends.ts";
import { evalCommand } from "./eval.ts";
import { buildCommand } from "./build.ts";
import { diffCommand } from "./diff.ts";
import { completionsCommand } from "./completions.ts";
import { doctorCommand } from "./doctor.ts";
import { nodeBuildCommand } from "./node_build.ts";
import {
  checkoutCommand,
  fetchCommand,
  gcCommand,
  hashCommand,
  logCommand,
  vendorCommand,
} from "./store_commands.ts";
import { keyCommand, publishCommand } from "./share.ts";
import { provenanceCommand } from "./provenance.ts";

export const COMMANDS: Command[] = [
  initCommand,
  lintCommand,
  showCommand,
  graphCommand,
  whyDependsCommand,
  evalCommand,
  fetchCommand,
  vendorCommand,
  buildCommand,
  hashCommand,
  checkoutCommand,
  logCommand,
  diffCommand,
  gcCommand,
  keyCommand,
  publishCommand,
  provenanceCommand,
  nodeBuildCommand,
  doctorCommand,
  completionsCommand,
];
