/**
 * Random UUIDs as flat strings. Node's `randomUUID()` builds its answer by concatenation: a tree of V8
 * cons strings of about 490 bytes of heap, kept as long as the id is (a queued job's id and its message's,
 * a claim's token, a delivery's receipt), and nothing short of using it as a property key flattens it.
 * Written into a buffer and decoded once instead, a UUID is one 36-character string of about 60 bytes,
 * and is made faster too.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 UUIDs, refilled when used up (as `randomUUID()` keeps its own pool). */
const pool = Buffer.alloc(16 * 256);
let used = pool.length;
const text = Buffer.alloc(36);
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');
const dash = 0x2d;

/** A random UUID (version 4, RFC 9562), as `crypto.randomUUID()` makes one, held as a flat string. */
export function newUuid(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += 16;
  let o = 0;
  for (let i = 0; i < 16; i++) {
    if (o === 8 || o === 13 || o === 18 || o === 23) text[o++] = dash;
    let byte = pool[at + i] as number;
    // The version (4) and the variant (10xx).
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    text[o++] = hexDigits[byte >> 4] as number;
    text[o++] = hexDigits[byte & 0x0f] as number;
  }
  return text.toString('latin1', 0, 36);
}
