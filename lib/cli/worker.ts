/**
 * The worker that runs a command with the permissions launch.ts computed: it
 * receives argv, runs the command line, and answers with the exit code (a
 * worker's Deno.exit would end only the worker).
 * @module
 */
import process from "node:process";
import { main } from "./main.ts";
import { ENV_VARIABLES } from "./permissions.ts";
import { lendHashWorkers } from "../store/mod.ts";

/** The launcher's message. */
export interface WorkerRequest {
  argv: string[];
  /** Ports to hash workers the launcher started for this command (`hash DIR`). */
  hashPorts: MessagePort[];
}

/** The worker's answer. */
export interface WorkerResult {
  exitCode: number;
}

// The yaml parser reads process.env.LOG_TOKENS once per token, and in Deno every
// read of process.env is a permission-checked getenv call: a plain snapshot
// makes that free (it was a sixth of `lint`'s time on large workspaces). Only
// the variables 2nex reads are in it: the worker may read no others.
const snapshot: Record<string, string> = {};
for (const name of ENV_VARIABLES) {
  const value = Deno.env.get(name);
  if (value !== undefined) snapshot[name] = value;
}
Object.defineProperty(process, "env", { value: snapshot, configurable: true, writable: true });

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResult): void;
};

scope.onmessage = async (event) => {
  lendHashWorkers(event.data.hashPorts);
  scope.postMessage({ exitCode: await main(event.data.argv) });
};
