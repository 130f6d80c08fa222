/** Facts about the host that enter refs and input keys. */

/** The host architecture as refs name it (e.g. "x86_64"). */
export function hostArch(): string {
  return Deno.build.arch;
}

/** The default target triple for the host. */
export function hostTarget(): string {
  return `${hostArch()}-pc-linux-gnu`;
}
