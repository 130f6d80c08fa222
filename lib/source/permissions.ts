/**
 * Deno permission changes the source layer offers its callers.
 *
 * @module
 */

/**
 * Revokes this process's network permission for good. The build calls it once
 * all sources are fetched, so that nothing after that point in 2nex's own code
 * can open a connection (build scripts are in a sandbox without network anyway).
 * Doing it twice, or when the permission was never granted, is harmless.
 */
export async function dropNetworkPermission(): Promise<void> {
  // No query first: with `--allow-net --deny-net=HOST` the general state reads
  // "denied" while other hosts are still granted; revoking always is the safe way.
  await Deno.permissions.revoke({ name: "net" });
}
