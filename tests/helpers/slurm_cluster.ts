/**
 * A real one-machine Slurm cluster for e2e tests, from Debian's packages:
 * munged, MariaDB (for slurmdbd, which `sacct` needs), slurmdbd, slurmctld and
 * slurmd, each with its configuration, state and logs in one temporary
 * directory and its own ports, so it neither needs nor touches /etc/slurm.
 * `stop()` ends every process it started.
 * @module
 */
import { join } from "node:path";
import { exists } from "../../lib/util/fs.ts";

/** The programs the cluster needs, for the test's missing-tool check. */
export const SLURM_TOOLS = [
  "munged",
  "mariadbd",
  "mariadb-install-db",
  "slurmdbd",
  "slurmctld",
  "slurmd",
  "sbatch",
  "sacct",
  "sacctmgr",
  "scontrol",
];

const CLUSTER_NAME = "twonex";

export class SlurmCluster {
  readonly #children: Deno.ChildProcess[] = [];

  private constructor(
    /** Holds slurm.conf, state, spool and logs. */
    readonly dir: string,
    /** SLURM_CONF for clients (sbatch, sacct, and 2nex's executor). */
    readonly env: Record<string, string>,
  ) {}

  /** Starts the daemons and waits until the node is idle. */
  static async start(): Promise<SlurmCluster> {
    const dir = await Deno.makeTempDir({ prefix: "2nex-slurm-" });
    const [dbPort, dbdPort, ctldPort, slurmdPort] = await freePorts(4);
    // Asked of the host's tools: the e2e tests run without --allow-sys.
    const host = (await runToEnd("hostname", ["-s"])).trim();
    const memoryMiB = Number(/^Mem:\s+(\d+)/m.exec(await runToEnd("free", ["-m"]))?.[1] ?? 1024);
    const munge = join(dir, "munge.sock");
    const cluster = new SlurmCluster(dir, { SLURM_CONF: join(dir, "slurm.conf") });
    try {
      // munged insists that everyone may traverse its socket's directory.
      await Deno.chmod(dir, 0o755);
      for (const sub of ["state", "spool", "log", "db"]) await Deno.mkdir(join(dir, sub));
      const key = crypto.getRandomValues(new Uint8Array(1024));
      await Deno.writeFile(join(dir, "munge.key"), key, { mode: 0o400 });
      await cluster.#run("munged", [
        `--socket=${munge}`,
        `--key-file=${join(dir, "munge.key")}`,
        `--log-file=${join(dir, "log/munged.log")}`,
        `--pid-file=${join(dir, "munged.pid")}`,
        `--seed-file=${join(dir, "munge.seed")}`,
        "--foreground",
      ]);
      await waitFor("munged", () => exists(munge));
      await runToEnd("mariadb-install-db", [
        "--no-defaults",
        `--datadir=${join(dir, "db")}`,
        "--user=root",
        "--auth-root-authentication-method=normal",
      ]);
      await cluster.#run("mariadbd", [
        "--no-defaults",
        `--datadir=${join(dir, "db")}`,
        "--user=root",
        "--bind-address=127.0.0.1",
        `--port=${dbPort}`,
        `--socket=${join(dir, "mysql.sock")}`,
        `--pid-file=${join(dir, "mysql.pid")}`,
        `--log-error=${join(dir, "log/mysql.err")}`,
      ]);
      await waitFor("MariaDB", () => portOpen(dbPort));
      await Deno.writeTextFile(
        join(dir, "slurmdbd.conf"),
        lines({
          AuthType: "auth/munge",
          AuthInfo: `socket=${munge}`,
          DbdHost: "localhost",
          DbdPort: dbdPort,
          SlurmUser: "root",
          PidFile: join(dir, "slurmdbd.pid"),
          LogFile: join(dir, "log/slurmdbd.log"),
          StorageType: "accounting_storage/mysql",
          StorageHost: "127.0.0.1",
          StoragePort: dbPort,
          StorageUser: "root",
          StorageLoc: "slurm_acct_db",
        }),
        { mode: 0o600 },
      );
      await Deno.writeTextFile(
        join(dir, "slurm.conf"),
        lines({
          ClusterName: CLUSTER_NAME,
          SlurmctldHost: host,
          SlurmUser: "root",
          AuthType: "auth/munge",
          AuthInfo: `socket=${munge}`,
          SlurmctldPort: ctldPort,
          SlurmdPort: slurmdPort,
          StateSaveLocation: join(dir, "state"),
          SlurmdSpoolDir: join(dir, "spool"),
          SlurmctldPidFile: join(dir, "slurmctld.pid"),
          SlurmdPidFile: join(dir, "slurmd.pid"),
          SlurmctldLogFile: join(dir, "log/slurmctld.log"),
          SlurmdLogFile: join(dir, "log/slurmd.log"),
          // No cgroup plugins: the test host may have no delegated cgroup v2.
          ProctrackType: "proctrack/linuxproc",
          TaskPlugin: "task/none",
          SelectType: "select/cons_tres",
          SelectTypeParameters: "CR_Core",
          MpiDefault: "none",
          ReturnToService: 2,
          AccountingStorageType: "accounting_storage/slurmdbd",
          AccountingStorageHost: "localhost",
          AccountingStoragePort: dbdPort,
          // For slurmdbd connections Slurm takes the munge socket from here, not AuthInfo.
          AccountingStoragePass: munge,
          JobAcctGatherType: "jobacct_gather/none",
          JobCompType: "jobcomp/none",
          // Jobs ask for their build's memory limit: the node must own up to its memory.
          NodeName: `${host} CPUs=${
            navigator.hardwareConcurrency || 1
          } RealMemory=${memoryMiB} State=UNKNOWN`,
          PartitionName: "build Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        }),
      );
      // slurmdbd finds slurmdbd.conf next to SLURM_CONF.
      await cluster.#run("slurmdbd", ["-D"]);
      await waitFor("slurmdbd", () => portOpen(dbdPort));
      await runToEnd("sacctmgr", ["-i", "add", "cluster", CLUSTER_NAME], cluster.env);
      await cluster.#run("slurmctld", ["-D"]);
      await waitFor("slurmctld", () => portOpen(ctldPort));
      await cluster.#run("slurmd", ["-D"]);
      await waitFor("an idle node", async () => {
        const out = await runToEnd("sinfo", ["-h", "-o", "%t"], cluster.env, false);
        return out.trim() === "idle";
      });
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** A daemon's log, for a failing test's message. */
  async log(name: "slurmctld" | "slurmd" | "slurmdbd"): Promise<string> {
    return await Deno.readTextFile(join(this.dir, "log", `${name}.log`)).catch(() => "");
  }

  /** Ends every daemon and removes the directory. */
  async stop(): Promise<void> {
    for (const child of this.#children.reverse()) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async #run(program: string, args: string[]): Promise<void> {
    const log = await Deno.open(join(this.dir, "log", `${program}.out`), {
      create: true,
      append: true,
    });
    const child = new Deno.Command(program, {
      args,
      env: this.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child.stdout.pipeTo(log.writable, { preventClose: true }).catch(() => {});
    child.stderr.pipeTo(log.writable).catch(() => {});
    this.#children.push(child);
  }
}

function lines(settings: Record<string, string | number>): string {
  return Object.entries(settings).map(([key, value]) => `${key}=${value}\n`).join("");
}

async function runToEnd(
  program: string,
  args: string[],
  env: Record<string, string> = {},
  check = true,
): Promise<string> {
  const output = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  if (check && !output.success) {
    throw new Error(`${program} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/** Ports that were free a moment ago (bound to port 0, then released). */
async function freePorts(count: number): Promise<number[]> {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return await Promise.resolve(ports);
}

async function portOpen(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, ready: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the test cluster's ${what} did not come up within ${ms / 1000} s`);
}
