/**
 * The live status line of `build` on a terminal: what is running and for how
 * long, refreshed every second; plain "building X" lines elsewhere.
 * @module
 */
import type { Output } from "./output.ts";
import type { SchedulerEvent } from "../build/scheduler.ts";
import type { GraphNode } from "../graph/resolve.ts";
import { describe } from "../build/describe.ts";

export class BuildProgress {
  #running = new Map<GraphNode, number>();
  #done = 0;
  #timer?: ReturnType<typeof setTimeout>;
  readonly #live: boolean;

  constructor(private readonly out: Output, private readonly total: number) {
    this.#live = Deno.stderr.isTerminal() && !out.options.quiet && !out.options.verbose &&
      !out.options.json;
    if (this.#live) this.#timer = setInterval(() => this.draw(), 1000);
  }

  onEvent(event: SchedulerEvent): void {
    if (event.kind === "start") {
      this.#running.set(event.node, performance.now());
      if (!this.#live) this.out.info(`building ${describe(event.node.manifest)}`);
    } else {
      this.#running.delete(event.report.node);
      this.#done++;
    }
    if (this.#live) this.draw();
  }

  private draw(): void {
    const now = performance.now();
    const running = [...this.#running].map(([node, start]) =>
      `${node.manifest.package.slug} ${Math.round((now - start) / 1000)}s`
    );
    const line = `[${this.#done}/${this.total}] ${
      running.length > 0 ? `building ${running.join(", ")}` : ""
    }`;
    const width = Deno.consoleSize?.().columns ?? 80;
    Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line.slice(0, width - 1)}`));
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#live) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
  }
}
