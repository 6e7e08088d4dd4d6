/**
 * Random UUIDs as flat strings. Node's `randomUUID()` builds its answer by concatenation: a tree of about
 * twenty V8 cons strings, some 490 bytes of heap, kept as long as the id is (a queued job's id and its
 * message's, a claim's token, a delivery's receipt). Reading a character flattens the tree into one
 * 36-character string, and the garbage collector then drops the tree: about 65 bytes.
 */
import { randomUUID } from 'node:crypto';

/** A random UUID (version 4), as `crypto.randomUUID()` makes one, held as a flat string. */
export function newUuid(): string {
  const id = randomUUID();
  id.charCodeAt(0);
  return id;
}
