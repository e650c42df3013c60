/** `mlw trips ingest` with the local engine: one month from the public source into a folder. */
import { createWriteStream, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MAX_SINGLE_PUT_BYTES, tripFileName } from '../../../lambdas/trip-outliers/contract';
import { createProgress } from '../../progress';
import { countBytes } from './local';

/** Download one month from the public source into a folder, checking its schema first (the Lambda's own rule). */
export async function ingestLocally(month: string, outDir: string, baseUrl: string) {
  const [{ ingestFile }, source] = await Promise.all([
    import('../../../lambdas/trip-outliers/core/ingest'),
    import('../../../lambdas/trip-outliers/adapters/source'),
  ]);
  mkdirSync(outDir, { recursive: true });
  const target = join(outDir, tripFileName(month));
  const result = await ingestFile(
    `${baseUrl.replace(/\/+$/, '')}/${tripFileName(month)}`,
    {
      head: (url) => source.headSource(url),
      footer: (head) => source.sourceFooter(head),
      stored: () => {
        try {
          return Promise.resolve({ bytes: statSync(target).size });
        } catch {
          return Promise.resolve(undefined);
        }
      },
      store: async (head) => {
        const progress = createProgress(`downloading ${tripFileName(month)}`, head.bytes);
        let bytes = 0;
        try {
          await pipeline(
            await source.openSourceStream(head.url),
            countBytes((n) => progress.update((bytes += n))),
            createWriteStream(`${target}.part`),
          );
        } finally {
          progress.stop();
        }
        renameSync(`${target}.part`, target);
        return bytes;
      },
    },
    MAX_SINGLE_PUT_BYTES,
  );
  return { file: target, ...result };
}
