import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawRecord } from '../src/core/io/rawLog';

/** Streams a raw log and hashes the bytes of one direction as `reassemble` would rebuild them (logs of a GB). */
export async function rawLogDigest(file: string, d: RawRecord['d']): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const nl = Buffer.from('\n');
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) {
      continue;
    }
    const r = JSON.parse(line) as RawRecord;
    if (r.d !== d) {
      continue;
    }
    const b = r.b !== undefined ? Buffer.from(r.b, 'base64') : Buffer.from(r.l ?? '', 'utf8');
    hash.update(b);
    bytes += b.length;
    if (r.eol !== false) {
      hash.update(nl);
      bytes += 1;
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

