/**
 * Candidate files packed into one byte array for the job's state. A checkpoint encodes its state every batch;
 * tens of thousands of file objects cost about 4 µs each to encode (a third of a second per checkpoint for
 * 80,000 files), while one byte array is a copy. The work list is packed once, after group-by-size, and only
 * a cursor moves; finished sets are packed per batch.
 */
import { endianness } from 'node:os';
import type { CandidateFile, CandidateGroup } from './types.js';

const NONE = 0xffff;

/**
 * A candidate file with every field present (in one order), so that every file object has one shape, whether
 * made by the walk, read from the library or unpacked: code that goes over tens of thousands of them stays
 * monomorphic.
 */
export function candidate(
  path: Uint8Array,
  size: number,
  mtimeMs: number,
  ino: number,
  dev: number,
  entryId?: number,
  contentId: string | null = null,
  fullHash: string | null = null,
): CandidateFile {
  return {
    path,
    size,
    mtimeMs,
    ino,
    dev,
    entryId,
    contentId,
    fullHash,
    links: undefined,
    ahead: undefined,
    aheadKey: -1,
  };
}

/** First word of the columnar format (in the first format it is the group count, which never reaches it). */
const COLUMNS = 0xffffffff;
/** A content id or hash that is absent, as its length in the columnar format. */
const ABSENT = 0xffffffff;
/** Numbers per file in the columnar format: size, mtimeMs, ino, dev, entryId (-1 when absent). */
const NUMBERS = 5;
/** 32-bit words per file: path length, content id length, hash length, link count. */
const WORDS = 4;
const HEADER = 16;
const LITTLE = endianness() === 'LE';

const strLength = (v: string | null | undefined) => (v === null || v === undefined ? 0 : v.length);

/**
 * Pack groups of candidate files (paths, sizes, times, inodes, entry ids, content ids, hashes, links) into
 * one byte array, in columns: a 16-byte header (a marker, then the counts of groups, files and links), every
 * number as a float64 (each group's size, then per file its size, mtime, inode, device and entry id), every
 * length and count as a uint32 (each group's file count, then per file the lengths of its path, content id
 * and hash and its link count, each link's length), then the bytes (per file its path, content id, hash and
 * links), all little-endian. Numbers are stored through typed arrays over the buffer rather than one call per
 * field (a fifth of the cost). The exact length is counted first.
 */
export function packGroups(groups: readonly CandidateGroup[]): Uint8Array {
  let files = 0;
  let links = 0;
  let bytes = 0;
  for (const g of groups) {
    files += g.files.length;
    for (const f of g.files) {
      bytes += f.path.length + strLength(f.contentId) + strLength(f.fullHash);
      if (f.links !== undefined) {
        links += f.links.length;
        for (const l of f.links) bytes += l.length;
      }
    }
  }
  const numbers = groups.length + files * NUMBERS;
  const words = groups.length + files * WORDS + links;
  const wordsAt = HEADER + numbers * 8;
  const bytesAt = wordsAt + words * 4;
  // Its own memory (offset 0), so the float64 column is aligned.
  const buf = Buffer.allocUnsafeSlow(bytesAt + bytes);
  buf.writeUInt32LE(COLUMNS, 0);
  buf.writeUInt32LE(groups.length, 4);
  buf.writeUInt32LE(files, 8);
  buf.writeUInt32LE(links, 12);
  const num = new Float64Array(buf.buffer, buf.byteOffset + HEADER, numbers);
  const word = new Uint32Array(buf.buffer, buf.byteOffset + wordsAt, words);
  let n = 0;
  let w = 0;
  let pos = bytesAt;
  for (const g of groups) {
    num[n++] = g.size;
    word[w++] = g.files.length;
  }
  const str = (v: string | null | undefined) => {
    if (v === null || v === undefined) {
      word[w++] = ABSENT;
      return;
    }
    word[w++] = v.length;
    pos += buf.write(v, pos, 'latin1');
  };
  for (const g of groups) {
    for (const f of g.files) {
      num[n++] = f.size;
      num[n++] = f.mtimeMs;
      num[n++] = f.ino;
      num[n++] = f.dev;
      num[n++] = f.entryId ?? -1;
      word[w++] = f.path.length;
      buf.set(f.path, pos);
      pos += f.path.length;
      str(f.contentId);
      str(f.fullHash);
      const linked = f.links;
      word[w++] = linked === undefined ? 0 : linked.length;
      if (linked !== undefined) {
        for (const l of linked) {
          word[w++] = l.length;
          buf.set(l, pos);
          pos += l.length;
        }
      }
    }
  }
  if (!LITTLE) {
    buf.subarray(HEADER, wordsAt).swap64();
    buf.subarray(wordsAt, bytesAt).swap32();
  }
  return buf;
}

/** The groups {@link packGroups} packed (or the first format packed). Paths are views of `bytes`, not copies. */
export function unpackGroups(bytes: Uint8Array): CandidateGroup[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER || buf.readUInt32LE(0) !== COLUMNS) return unpackByField(buf);
  const groupCount = buf.readUInt32LE(4);
  const files = buf.readUInt32LE(8);
  const links = buf.readUInt32LE(12);
  const numbers = groupCount + files * NUMBERS;
  const words = groupCount + files * WORDS + links;
  const wordsAt = HEADER + numbers * 8;
  let pos = wordsAt + words * 4;
  const num = column(buf, HEADER, numbers * 8, 8, (b) => new Float64Array(b.buffer, b.byteOffset, numbers));
  const word = column(buf, wordsAt, words * 4, 4, (b) => new Uint32Array(b.buffer, b.byteOffset, words));
  let n = groupCount;
  let w = groupCount;
  const bin = () => {
    const length = word[w++];
    const v = buf.subarray(pos, pos + length);
    pos += length;
    return v;
  };
  const str = () => {
    const length = word[w++];
    if (length === ABSENT) return null;
    const v = buf.toString('latin1', pos, pos + length);
    pos += length;
    return v;
  };
  const groups: CandidateGroup[] = new Array(groupCount);
  for (let i = 0; i < groupCount; i++) {
    const list: CandidateFile[] = new Array(word[i]);
    for (let j = 0; j < list.length; j++) {
      const path = bin();
      const entryId = num[n + 4];
      const file = candidate(
        path,
        num[n],
        num[n + 1],
        num[n + 2],
        num[n + 3],
        entryId >= 0 ? entryId : undefined,
        str(),
        str(),
      );
      n += NUMBERS;
      const linkCount = word[w++];
      if (linkCount > 0) file.links = Array.from({ length: linkCount }, bin);
      list[j] = file;
    }
    groups[i] = { size: num[i], files: list };
  }
  return groups;
}

/**
 * `length` bytes of little-endian items of `width` bytes at `at`, as a typed array: a view when they are
 * aligned (and the machine little-endian), else a view of a copy (a checkpoint may hand back unaligned bytes).
 */
function column<T>(buf: Buffer, at: number, length: number, width: 4 | 8, view: (b: Buffer) => T): T {
  const part = buf.subarray(at, at + length);
  if (LITTLE && part.byteOffset % width === 0) return view(part);
  const copy = Buffer.allocUnsafeSlow(length);
  part.copy(copy);
  if (!LITTLE) {
    if (width === 8) copy.swap64();
    else copy.swap32();
  }
  return view(copy);
}

/** Bytes of a content id or hash field: a 2-byte length, then its latin1 characters (none when absent). */
const strBytes = (v: string | null | undefined) => 2 + (v === null || v === undefined ? 0 : v.length);

/**
 * @internal The first format, field by field (lists and checkpoints written before the columnar one, still
 * read by {@link unpackGroups}): kept to test that they are. The exact length is counted first.
 */
export function packGroupsByField(groups: readonly CandidateGroup[]): Uint8Array {
  let length = 4;
  for (const g of groups) {
    length += 12;
    for (const f of g.files) {
      length += 4 + f.path.length + 40 + strBytes(f.contentId) + strBytes(f.fullHash) + 4;
      for (const l of f.links ?? []) length += 4 + l.length;
    }
  }
  const buf = Buffer.allocUnsafe(length);
  let pos = buf.writeUInt32LE(groups.length, 0);
  const bytes = (b: Uint8Array) => {
    pos = buf.writeUInt32LE(b.length, pos);
    buf.set(b, pos);
    pos += b.length;
  };
  const str = (v: string | null | undefined) => {
    if (v === null || v === undefined) {
      pos = buf.writeUInt16LE(NONE, pos);
      return;
    }
    pos = buf.writeUInt16LE(v.length, pos);
    pos += buf.write(v, pos, 'latin1');
  };
  for (const g of groups) {
    pos = buf.writeDoubleLE(g.size, pos);
    pos = buf.writeUInt32LE(g.files.length, pos);
    for (const f of g.files) {
      bytes(f.path);
      pos = buf.writeDoubleLE(f.size, pos);
      pos = buf.writeDoubleLE(f.mtimeMs, pos);
      pos = buf.writeDoubleLE(f.ino, pos);
      pos = buf.writeDoubleLE(f.dev, pos);
      pos = buf.writeDoubleLE(f.entryId ?? -1, pos);
      str(f.contentId);
      str(f.fullHash);
      pos = buf.writeUInt32LE(f.links?.length ?? 0, pos);
      for (const l of f.links ?? []) bytes(l);
    }
  }
  return buf;
}

/** The groups of the first format ({@link packGroupsByField}). */
function unpackByField(buf: Buffer): CandidateGroup[] {
  let pos = 0;
  const u32 = () => {
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const f64 = () => {
    const v = buf.readDoubleLE(pos);
    pos += 8;
    return v;
  };
  const bin = () => {
    const n = u32();
    const v = buf.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const str = () => {
    const n = buf.readUInt16LE(pos);
    pos += 2;
    if (n === NONE) return null;
    const v = buf.toString('latin1', pos, pos + n);
    pos += n;
    return v;
  };
  const groups: CandidateGroup[] = new Array(u32());
  for (let i = 0; i < groups.length; i++) {
    const size = f64();
    const files: CandidateFile[] = new Array(u32());
    for (let j = 0; j < files.length; j++) {
      const path = bin();
      const fileSize = f64();
      const mtimeMs = f64();
      const ino = f64();
      const dev = f64();
      const entryId = f64();
      const contentId = str();
      const fullHash = str();
      const linkCount = u32();
      const file = candidate(
        path,
        fileSize,
        mtimeMs,
        ino,
        dev,
        entryId >= 0 ? entryId : undefined,
        contentId,
        fullHash,
      );
      if (linkCount > 0) file.links = Array.from({ length: linkCount }, bin);
      files[j] = file;
    }
    groups[i] = { size, files };
  }
  return groups;
}
