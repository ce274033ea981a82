/**
 * `npm run generate -- --cache` and `--cache-clear`: what the Hub cache (`hf:` models' weights,
 * src/node/hubCache.ts) holds and how much room it takes, and emptying it.
 */
import { clearHubCache, cliCacheDir, listHubCache } from '../node/hubCache';
import { STALE_PART_MINUTES, type CacheCommand } from './args';
import { mib, type CliIo } from './common';

/** Runs `--cache` (list) or `--cache-clear`; resolves to the exit code (0, or 1 when the cache could not be read or emptied). */
export async function runCacheCommand(cmd: CacheCommand, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cacheDir = cliCacheDir(env);
  try {
    if (cmd.cache === 'clear') {
      const { removed, bytes, keptPartial } = await clearHubCache(cacheDir, STALE_PART_MINUTES * 60_000);
      io.log(removed === 0 ? `Nothing to delete in the Hub cache (${cacheDir}).` : `Deleted ${removed} file${removed === 1 ? '' : 's'} (${mib(bytes)}) from the Hub cache (${cacheDir}).`);
      if (keptPartial.length > 0) {
        io.log(`Kept ${keptPartial.length} unfinished download${keptPartial.length === 1 ? '' : 's'} written in the last ${STALE_PART_MINUTES} minutes (another run may be downloading); run --cache-clear again later.`);
      }
      return 0;
    }
    const listing = await listHubCache(cacheDir);
    if (listing.blobs.length === 0 && listing.partial.length === 0) {
      io.log(`The Hub cache (${listing.dir}) is empty.`);
      return 0;
    }
    io.log(`Hub cache: ${listing.dir}`);
    for (const b of listing.blobs) {
      io.log(`  ${mib(b.bytes).padStart(12)}  ${b.sha256.slice(0, 12)}  ${b.from ? `${b.from.path} (${b.from.source})` : '(origin not noted)'}`);
    }
    for (const p of listing.partial) io.log(`  ${mib(p.bytes).padStart(12)}  ${p.name}  (unfinished download)`);
    const parts = listing.partial.length > 0 ? ` and ${listing.partial.length} unfinished download${listing.partial.length === 1 ? '' : 's'}` : '';
    io.log(`${listing.blobs.length} weights file${listing.blobs.length === 1 ? '' : 's'}${parts}: ${mib(listing.bytes)} in all. --cache-clear deletes them.`);
    return 0;
  } catch (err) {
    io.error(`error: the Hub cache in ${cacheDir} could not be ${cmd.cache === 'clear' ? 'emptied' : 'read'}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
