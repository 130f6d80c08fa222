/**
 * scripts/prove-host-independence.sh --chain gnu --rounds: a phase whose rounds
 * passed is not checked again while the bootstrap manifests are unchanged, and is
 * checked again when they change or when its rounds failed. Runs the script in a
 * scratch repository with stub programs (deno, gcc, clang, bwrap, ostree) on PATH;
 * the stub deno counts the `--rounds 2` builds it is asked for.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const SCRIPT = new URL("../../scripts/prove-host-independence.sh", import.meta.url).pathname;

// The report step reads each phase's --json report with `deno eval`; the stub answers
// with one package line per phase (hash equal to the expected one), gives each
// manifest's text the role of its input key for `show`, and counts rounds.
const STUB_DENO = `#!/bin/bash
case " $* " in
  *" eval "*) ph=$(basename "\${@: -1}" | sed 's/.*-\\(phase[0-9]\\)\\.json/\\1/')
              echo "bootstrap/$ph a-$ph 1 h-$ph 0.1 cached h-$ph" ;;
  *" show "*) echo "{ \\"inputKey\\": \\"$(grep -v '^#' "\${@: -2:1}" | sha256sum | cut -c1-64)\\" }" ;;
  *" --rounds 2 "*) echo "$*" >>"$ROUNDS_CALLS"; exit "\${ROUNDS_EXIT:-0}" ;;
  *) echo '{}' ;;
esac
`;

interface Run {
  code: number;
  report: string;
  rounds: number;
}

async function makeRepo(dir: string): Promise<{ repo: string; bin: string }> {
  const repo = join(dir, "repo");
  const bin = join(dir, "bin");
  await Deno.mkdir(join(repo, "scripts"), { recursive: true });
  await Deno.mkdir(bin);
  await Deno.copyFile(SCRIPT, join(repo, "scripts", "prove-host-independence.sh"));
  await Deno.writeTextFile(join(repo, "scripts", "vendor-debian.sh"), "#!/bin/sh\nexit 0\n", {
    mode: 0o755,
  });
  for (const phase of ["phase0", "phase1", "phase2"]) {
    const gnu = join(repo, "manifests", "bootstrap", phase, "gnu");
    await Deno.mkdir(gnu, { recursive: true });
    await Deno.writeTextFile(join(gnu, "a.yaml"), `slug: a-${phase}\n`);
  }
  await Deno.writeTextFile(join(bin, "deno"), STUB_DENO, { mode: 0o755 });
  for (const tool of ["gcc", "clang", "bwrap", "ostree"]) {
    await Deno.writeTextFile(join(bin, tool), `#!/bin/sh\necho "${tool} 1.0"\n`, { mode: 0o755 });
  }
  return { repo, bin };
}

async function prove(dir: string, roundsExit = 0): Promise<Run> {
  const repo = join(dir, "repo");
  const calls = join(dir, "rounds-calls");
  const result = await new Deno.Command("bash", {
    args: [join(repo, "scripts", "prove-host-independence.sh"), "--chain", "gnu", "--rounds"],
    cwd: repo,
    env: {
      PATH: `${join(dir, "bin")}:${Deno.env.get("PATH")}`,
      ROUNDS_CALLS: calls,
      ROUNDS_EXIT: String(roundsExit),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = await Deno.readTextFile(calls).catch(() => "");
  return {
    code: result.code,
    report: new TextDecoder().decode(result.stdout),
    rounds: text.split("\n").filter((line) => line !== "").length,
  };
}

Deno.test("prove --rounds: passed phases are not checked again on the same manifests", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { repo } = await makeRepo(dir);
    const first = await prove(dir);
    assert.equal(first.code, 0, first.report);
    assert.equal(first.rounds, 2, "phase1 and phase2 are checked, phase0 is not");
    assert.match(first.report, /^phase1: --rounds 2 exit 0 in \d+ s$/m);

    const again = await prove(dir);
    assert.equal(again.code, 0, again.report);
    assert.equal(again.rounds, 2, "nothing checked again");
    assert.match(again.report, /^phase2: --rounds 2 exit 0 in \d+ s \(a run of \S+ with the same/m);

    // A comment is not an input: the stub's keys, like 2nex's, ignore it.
    await Deno.writeTextFile(
      join(repo, "manifests", "bootstrap", "phase1", "gnu", "a.yaml"),
      "# proof passed\nslug: a-phase1\n",
    );
    const commented = await prove(dir);
    assert.equal(commented.rounds, 2, commented.report);

    // Changed input keys (here of both phases) void the recorded passes.
    for (const phase of ["phase1", "phase2"]) {
      await Deno.writeTextFile(
        join(repo, "manifests", "bootstrap", phase, "gnu", "a.yaml"),
        `slug: a-${phase}\nversion: 2\n`,
      );
    }
    const failed = await prove(dir, 3);
    assert.equal(failed.code, 3, failed.report);
    assert.equal(failed.rounds, 4);
    assert.match(failed.report, /^phase1: --rounds 2 exit 3 in \d+ s$/m);

    // A failure is not recorded: the next run checks both phases again.
    const retried = await prove(dir);
    assert.equal(retried.code, 0, retried.report);
    assert.equal(retried.rounds, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
