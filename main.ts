import { launch } from "./lib/cli/mod.ts";

// Every command runs in a worker whose permissions are only what its command
// line needs (lib/cli/launch.ts); this process's broader flags only start it.
Deno.exit(await launch(Deno.args));
