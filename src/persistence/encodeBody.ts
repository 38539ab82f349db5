import { Encoder } from '@msgpack/msgpack';
import { isShared } from './sharedValues.js';
import { stateCodec } from './stateCodec.js';

/**
 * How deeply values may nest in a checkpoint body (the body map itself is level 1). MessagePack's default
 * (100) would refuse reasonable state trees once wrapped in the envelope; the encoder recurses, so the bound
 * stays well inside the default call stack.
 */
export const MAX_DEPTH = 1000;

/**
 * Encoders of values found at a given level of the body, each bounded so that a value refused at that level by
 * one encoder of the whole body (`maxDepth: MAX_DEPTH`) is refused here too. They keep their buffers.
 */
const encoders: Encoder[] = [];
function encoderAt(level: number): Encoder {
  let encoder = encoders[level];
  if (!encoder) {
    encoder = new Encoder({
      ignoreUndefined: true,
      extensionCodec: stateCodec,
      maxDepth: MAX_DEPTH - level + 1,
    });
    encoders[level] = encoder;
  }
  return encoder;
}

/**
 * Bytes of values that cannot change: frozen plain objects and arrays holding only primitives and such values
 * (a history entry, an error record, the job's phase list). Frozen is for ever, so the bytes stay right.
 */
const frozenBytes = new WeakMap<object, Uint8Array>();

/** The maps of the body whose values are written one by one, so that unchanged parts come from the cache. */
const OPEN = {
  body: new Set(['machine']),
  machine: new Set(['context']),
  context: new Set(['history', 'errors']),
} as const;

/**
 * Encode a checkpoint body: exactly the bytes of one MessagePack encoder with `ignoreUndefined`, the state
 * codec and `maxDepth: MAX_DEPTH` over `body` — but the machine context's history and error lists, and any
 * frozen plain-data value, are written from bytes encoded once per value instead of once per checkpoint. A
 * job's history changes one entry per phase, so a boundary checkpoint no longer costs the whole history.
 *
 * @throws whatever that encoder throws, for the same values.
 */
export function encodeBody(body: Record<string, unknown>): Uint8Array {
  return encodeBodyWith(body, () => NO_HEAD);
}

const NO_HEAD = new Uint8Array(0);
/** Room kept before the body for a header (the envelope's outer map needs 31 to 35 bytes). */
const HEAD_ROOM = 48;

/**
 * {@link encodeBody}, returned after the bytes `head(body)` (at most 48) in one new array: the body is not
 * copied once more to be framed.
 */
export function encodeBodyWith(
  body: Record<string, unknown>,
  head: (bodyBytes: Uint8Array) => Uint8Array,
): Uint8Array {
  const out = Writer.take();
  try {
    out.pos = HEAD_ROOM;
    writeMap(out, body, 1, OPEN.body, writeBodyField, body.jobId);
    const prefix = head(out.bytes.subarray(HEAD_ROOM, out.pos));
    if (prefix.byteLength > HEAD_ROOM) throw new RangeError('a checkpoint header longer than 48 bytes');
    const from = HEAD_ROOM - prefix.byteLength;
    out.bytes.set(prefix, from);
    return copyOf(out.bytes, from, out.pos);
  } finally {
    out.give();
  }
}

/**
 * `bytes[from, to)` in a new array: a new array and one `set` cost about half of `TypedArray.slice` (measured
 * on a 9 KiB checkpoint body: 0.8 against 1.9 µs).
 */
function copyOf(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const copy = new Uint8Array(to - from);
  copy.set(bytes.subarray(from, to));
  return copy;
}

/**
 * Cached bytes up to this size share a slab: an array buffer of its own per history entry cost as much as
 * encoding the entry. A slab lives as long as one of its entries: 8 KiB, as Node's own pool of small buffers.
 */
const SLAB_ITEM = 512;
const SLAB_SIZE = 8 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * `bytes[from, to)` kept for good: small ones in a view of a shared slab (a new one once it is full: the old
 * one lives as long as a view of it), larger ones in an array of their own. Never handed out: only copied from.
 */
function keptCopy(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const n = to - from;
  if (n > SLAB_ITEM) return copyOf(bytes, from, to);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const kept = slab.subarray(slabUsed, slabUsed + n);
  kept.set(bytes.subarray(from, to));
  slabUsed += n;
  return kept;
}

/** How a field of an open map (see {@link OPEN}) is written; `jobId` is the body's, for the list memos. */
type WriteOpen = (out: Writer, key: string, value: unknown, jobId: unknown) => void;

/** A field of the body left open: `machine`, when it is a plain object. */
function writeBodyField(out: Writer, key: string, value: unknown, jobId: unknown): void {
  if (key === 'machine' && isPlainRecord(value))
    writeMap(out, value, 2, OPEN.machine, writeMachineField, jobId);
  else writeValue(out, value, 2);
}

/** A field of the machine left open: its `context`, when it is a plain object. */
function writeMachineField(out: Writer, key: string, value: unknown, jobId: unknown): void {
  if (key === 'context' && isPlainRecord(value))
    writeMap(out, value, 3, OPEN.context, writeContextField, jobId);
  else writeValue(out, value, 3);
}

/** A list of the context (`history`, `errors`): written against the job's last one, when it is a plain array. */
function writeContextField(out: Writer, key: string, value: unknown, jobId: unknown): void {
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
    writeList(out, value, 4, slotOf(jobId, key));
  } else writeValue(out, value, 4);
}

/**
 * A map at `level`: its own keys in order, `undefined` values left out (as `ignoreUndefined` does). Keys are
 * read with `for...in` (V8 reads each value through the object's enum cache; `Object.keys` then `map[key]`
 * is a megamorphic lookup per key: about a tenth of encoding one envelope); inherited keys are skipped.
 */
function writeMap(
  out: Writer,
  map: Record<string, unknown>,
  level: number,
  open: ReadonlySet<string>,
  writeOpen: WriteOpen,
  jobId: unknown,
): void {
  if (level > MAX_DEPTH) throw new Error(`Too deep objects in depth ${level}`);
  const at = out.mapStart();
  let size = 0;
  for (const key in map) {
    if (!Object.hasOwn(map, key)) continue;
    const value = map[key];
    if (value === undefined) continue;
    size++;
    out.put(keyBytes(key));
    if (open.has(key)) writeOpen(out, key, value, jobId);
    else writeValue(out, value, level + 1);
  }
  out.mapEnd(at, size);
}

/** What a list slot (one job's history, or its errors) was written as last time; its arrays are reused. */
interface ListMemo {
  /** The items, as they were (a copy of the references), `length` of them. */
  items: unknown[];
  length: number;
  /** `frozen[i]` is 1 when item `i` was frozen plain data: then the same item means the same bytes. */
  frozen: Uint8Array;
  /** The items' bytes, one after the other, and where each one starts (`offsets[length]` = the end). */
  bytes: Uint8Array;
  offsets: Uint32Array;
}

/**
 * The last lists written, by list name then job id: few, as only the jobs running in this process write (the
 * oldest job's memo goes past 64). A slot is `[memos of that list, job id]`.
 */
const lists = new Map<string, Map<string, ListMemo>>();
const MAX_LISTS = 64;
type Slot = readonly [Map<string, ListMemo>, string];

/**
 * Drop what job `jobId`'s lists were last written as: its run wrote its last checkpoint here. Its entries then
 * need not outlive the run (up to 64 ended jobs' histories were kept alive, and moved to the old generation, by
 * their memos); a later checkpoint of the same job id writes its lists in full, the same bytes.
 */
export function forgetLists(jobId: string): void {
  for (const memos of lists.values()) memos.delete(jobId);
}

function slotOf(jobId: unknown, name: string): Slot | undefined {
  if (typeof jobId !== 'string') return undefined;
  let memos = lists.get(name);
  if (memos === undefined) {
    memos = new Map();
    lists.set(name, memos);
  }
  return [memos, jobId];
}

/** Scratch space for the list being written (the memo is still read meanwhile). */
let scratchOffsets = new Uint32Array(256);
let scratchFrozen = new Uint8Array(256);

/**
 * An array at `level`. Items that are frozen plain data come from the cache; runs of them that stand where they
 * stood in this slot's last list are copied from its bytes in one piece. (Without a slot, every item is a first.) A phase boundary changes two history
 * entries, so a checkpoint copies the rest of its history in three pieces.
 */
function writeList(out: Writer, list: readonly unknown[], level: number, slot: Slot | undefined): void {
  if (level > MAX_DEPTH) throw new Error(`Too deep objects in depth ${level}`);
  out.header(list.length, 0x90, 0xdc, 0xdd);
  const memo = slot === undefined ? undefined : slot[0].get(slot[1]);
  const start = out.pos;
  const n = list.length;
  if (scratchOffsets.length < n + 1) {
    scratchOffsets = new Uint32Array(2 * (n + 1));
    scratchFrozen = new Uint8Array(2 * (n + 1));
  }
  const offsets = scratchOffsets;
  const frozen = scratchFrozen;
  const known = memo === undefined ? 0 : Math.min(n, memo.length);
  let i = 0;
  while (i < n) {
    if (i < known && memo!.frozen[i] === 1 && list[i] === memo!.items[i]) {
      let j = i + 1;
      while (j < known && memo!.frozen[j] === 1 && list[j] === memo!.items[j]) j++;
      const from = memo!.offsets[i];
      const shift = out.pos - start - from;
      out.put(memo!.bytes.subarray(from, memo!.offsets[j]));
      for (let k = i; k < j; k++) {
        offsets[k] = memo!.offsets[k] + shift;
        frozen[k] = 1;
      }
      i = j;
      continue;
    }
    offsets[i] = out.pos - start;
    // An item new to the slot's list keeps no bytes of its own: the slot's memo keeps them, where it stands. Items
    // marked shared do (the pending entries every run of a job starts with): each job's first checkpoint then
    // writes them from the cache.
    const item = list[i];
    frozen[i] = writeValue(out, item, level + 1, slot === undefined || isShared(item)) ? 1 : 0;
    i++;
  }
  offsets[n] = out.pos - start;
  if (slot !== undefined) remember(slot, memo, list, out.bytes.subarray(start, out.pos));
}

/** Keep what the slot's list was written as, in the slot's own arrays (grown when too small). */
function remember(slot: Slot, memo: ListMemo | undefined, list: readonly unknown[], bytes: Uint8Array): void {
  const n = list.length;
  if (memo === undefined) {
    const [memos, jobId] = slot;
    if (memos.size >= MAX_LISTS) memos.delete(memos.keys().next().value as string);
    memo = {
      items: [],
      length: 0,
      frozen: new Uint8Array(0),
      bytes: new Uint8Array(0),
      offsets: new Uint32Array(0),
    };
    memos.set(jobId, memo);
  }
  if (memo.offsets.length < n + 1) {
    memo.offsets = new Uint32Array(2 * (n + 1));
    memo.frozen = new Uint8Array(2 * (n + 1));
  }
  if (memo.bytes.length < bytes.length) memo.bytes = new Uint8Array(2 * bytes.length);
  memo.offsets.set(scratchOffsets.subarray(0, n + 1));
  memo.frozen.set(scratchFrozen.subarray(0, n));
  memo.bytes.set(bytes);
  for (let k = 0; k < n; k++) memo.items[k] = list[k];
  memo.items.length = n;
  memo.length = n;
}

/**
 * Any value at `level`: from the cache when it is frozen plain data, else encoded now (and, with `keep`, its
 * bytes cached when it is frozen plain data). Returns true when the bytes are the value's for good.
 */
function writeValue(out: Writer, value: unknown, level: number, keep = true): boolean {
  if (typeof value === 'object') {
    if (value === null) {
      out.byte(0xc0);
      return true;
    }
    if (Object.isFrozen(value)) {
      const bytes = frozenBytes.get(value);
      if (bytes === undefined && isFrozenData(value, 0)) {
        // Plain data a few levels deep: written here, and kept (with `keep`) as the bytes just written.
        const from = out.pos;
        writePlain(out, value, level, PLAIN_LEVELS);
        if (keep) frozenBytes.set(value, keptCopy(out.bytes, from, out.pos));
        return true;
      }
      if (bytes !== undefined) {
        out.put(bytes);
        return true;
      }
    }
  } else if (typeof value === 'number' && value >= 0 && value < 0x80 && Number.isInteger(value)) {
    // A positive fixint, as the encoder writes it (not -0: the encoder writes that as a float).
    if (!Object.is(value, -0)) {
      out.byte(value);
      return true;
    }
  } else if (typeof value === 'boolean') {
    out.byte(value ? 0xc3 : 0xc2);
    return true;
  }
  writePlain(out, value, level, PLAIN_LEVELS);
  return false;
}

/** How many levels of plain objects and arrays are written here before the encoder takes over. */
const PLAIN_LEVELS = 24;

/**
 * `value` at `level` as the encoder writes it: plain data (null, booleans, numbers, strings, plain objects and
 * arrays) straight into `out`, without the encoder's per-value extension checks; anything else (a Date, a Map,
 * a typed array, what the codec refuses, nesting deeper than `levels`) by the encoder, at its level.
 */
function writePlain(out: Writer, value: unknown, level: number, levels: number): void {
  switch (typeof value) {
    case 'boolean':
      out.byte(value ? 0xc3 : 0xc2);
      return;
    case 'undefined':
      out.byte(0xc0);
      return;
    case 'number':
      out.number(value);
      return;
    case 'string':
      if (out.string(value)) return;
      break;
    case 'object': {
      if (value === null) {
        out.byte(0xc0);
        return;
      }
      if (levels === 0) break;
      if (value instanceof Uint8Array) {
        // MessagePack's own binary, as the encoder writes it (the codec leaves a Uint8Array to it): straight into
        // `out`, not through the encoder's buffer (grown by doubling for a large one) and then copied here.
        out.binary(value);
        return;
      }
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) break;
        const n = value.length;
        out.header(n, 0x90, 0xdc, 0xdd);
        for (let i = 0; i < n; i++) writePlain(out, value[i], level + 1, levels - 1);
        return;
      }
      if (!isPlainRecord(value)) break;
      // for...in, as in writeMap: values through the enum cache, inherited keys skipped.
      const record = value as Record<string, unknown>;
      const at = out.mapStart();
      let size = 0;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const v = record[key];
        if (v === undefined) continue;
        size++;
        if (!out.string(key)) out.put(encoderAt(level).encodeSharedRef(key));
        writePlain(out, v, level + 1, levels - 1);
      }
      out.mapEnd(at, size);
      return;
    }
  }
  out.put(encoderAt(level).encodeSharedRef(value));
}

/**
 * True for primitives, and for frozen plain objects and arrays made only of such values (a few levels deep), held
 * in data properties: a getter of a frozen object may answer differently next time, so its bytes are not for ever.
 */
function isFrozenData(value: unknown, depth: number): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object' || depth > 3 || !Object.isFrozen(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!isDataOf(value, i, depth)) return false;
    return true;
  }
  if (proto !== Object.prototype || Object.hasOwn(value as object, '__proto__')) return false;
  for (const key in value as object) if (!isDataOf(value as object, key, depth)) return false;
  return true;
}

/** The own property `key` of `owner` is frozen data held as a value (a hole of an array counts as undefined). */
function isDataOf(owner: object, key: string | number, depth: number): boolean {
  const property = Object.getOwnPropertyDescriptor(owner, key);
  if (property === undefined) return Array.isArray(owner);
  return 'value' in property && isFrozenData(property.value, depth + 1);
}

/** A plain object the encoder would write as a map (not a Date, Map, class instance, ...). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    !Object.hasOwn(value, '__proto__')
  );
}

const keys = new Map<string, Uint8Array>();
function keyBytes(key: string): Uint8Array {
  let bytes = keys.get(key);
  if (bytes === undefined) {
    bytes = encoderAt(1).encode(key);
    if (keys.size < 256) keys.set(key, bytes);
  }
  return bytes;
}

/** A growing byte buffer, kept between checkpoints. */
class Writer {
  private static spare: Writer | undefined = new Writer(16 * 1024);
  bytes: Uint8Array;
  pos = 0;

  private constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  /** The kept writer, or a fresh one if it is in use (an encode within an encode). */
  static take(): Writer {
    const writer = Writer.spare ?? new Writer(4096);
    Writer.spare = undefined;
    writer.pos = 0;
    return writer;
  }

  /** Keep this writer (and its grown buffer) for the next body. */
  give(): void {
    Writer.spare = this;
  }

  put(chunk: Uint8Array): void {
    const n = chunk.byteLength;
    this.reserve(n);
    if (n < 24) {
      // A loop beats TypedArray.set for a few bytes.
      const b = this.bytes;
      let pos = this.pos;
      for (let i = 0; i < n; i++) b[pos++] = chunk[i];
      this.pos = pos;
      return;
    }
    this.bytes.set(chunk, this.pos);
    this.pos += n;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.pos++] = value;
  }

  /** Two big-endian 32-bit words, each taken modulo 2^32 as `DataView.setUint32` takes it. */
  private words(high: number, low: number): void {
    const view = this.view();
    view.setUint32(this.pos, high);
    view.setUint32(this.pos + 4, low);
    this.pos += 8;
  }

  /**
   * A number as the encoder writes it: the shortest integer form for a safe integer (the 64-bit forms beyond 32
   * bits), else a float 64.
   */
  number(value: number): void {
    this.reserve(9);
    const b = this.bytes;
    if (Number.isSafeInteger(value)) {
      if (value >= 0) {
        if (value < 0x80) b[this.pos++] = value;
        else if (value < 0x100) {
          b[this.pos++] = 0xcc;
          b[this.pos++] = value;
        } else if (value < 0x10000) {
          b[this.pos++] = 0xcd;
          b[this.pos++] = value >>> 8;
          b[this.pos++] = value & 0xff;
        } else if (value < 0x100000000) {
          b[this.pos++] = 0xce;
          this.view().setUint32(this.pos, value);
          this.pos += 4;
        } else {
          // uint 64, high and low words as the encoder splits them (a timestamp in ms is one of these).
          b[this.pos++] = 0xcf;
          this.words(value / 0x100000000, value);
        }
      } else if (value >= -0x20) b[this.pos++] = 0xe0 | (value + 0x20);
      else if (value >= -0x80) {
        b[this.pos++] = 0xd0;
        this.view().setInt8(this.pos++, value);
      } else if (value >= -0x8000) {
        b[this.pos++] = 0xd1;
        this.view().setInt16(this.pos, value);
        this.pos += 2;
      } else if (value >= -0x80000000) {
        b[this.pos++] = 0xd2;
        this.view().setInt32(this.pos, value);
        this.pos += 4;
      } else {
        b[this.pos++] = 0xd3;
        this.words(Math.floor(value / 0x100000000), value);
      }
      return;
    }
    b[this.pos++] = 0xcb;
    this.view().setFloat64(this.pos, value);
    this.pos += 8;
  }

  /**
   * A string as the encoder writes it, for strings of ASCII characters only (then a character is a byte); false,
   * writing nothing, for any other (left to the encoder, whose UTF-8 of lone surrogates is its own).
   */
  string(value: string): boolean {
    const n = value.length;
    if (n > 0xffff) return false;
    this.reserve(n + 3);
    const b = this.bytes;
    let pos = this.pos + (n < 32 ? 1 : n < 0x100 ? 2 : 3);
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return false;
      b[pos++] = c;
    }
    if (n < 32) b[this.pos] = 0xa0 + n;
    else if (n < 0x100) {
      b[this.pos] = 0xd9;
      b[this.pos + 1] = n;
    } else {
      b[this.pos] = 0xda;
      b[this.pos + 1] = n >>> 8;
      b[this.pos + 2] = n & 0xff;
    }
    this.pos = pos;
    return true;
  }

  private dataView: DataView | undefined;
  private view(): DataView {
    if (this.dataView?.buffer !== this.bytes.buffer) this.dataView = new DataView(this.bytes.buffer);
    return this.dataView;
  }

  /**
   * Start a map whose size is counted while its entries are written (each value read once): one byte is kept
   * for the header, the fix form. Returns where it stands, for {@link mapEnd}.
   */
  mapStart(): number {
    this.reserve(1);
    return this.pos++;
  }

  /**
   * End the map started at `at` with `size` entries: the fix form in the byte kept; a larger map's entries are
   * moved up to make room for the 16- or 32-bit form (as the encoder writes it).
   */
  mapEnd(at: number, size: number): void {
    if (size < 16) {
      this.bytes[at] = 0x80 + size;
      return;
    }
    const extra = size < 0x10000 ? 2 : 4;
    this.reserve(extra);
    const b = this.bytes;
    b.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    if (extra === 2) {
      b[at] = 0xde;
      b[at + 1] = size >>> 8;
      b[at + 2] = size & 0xff;
    } else {
      b[at] = 0xdf;
      b[at + 1] = size >>> 24;
      b[at + 2] = (size >>> 16) & 0xff;
      b[at + 3] = (size >>> 8) & 0xff;
      b[at + 4] = size & 0xff;
    }
  }

  /** Binary data: `bin 8`, `bin 16` or `bin 32` and the bytes. */
  binary(value: Uint8Array): void {
    const n = value.byteLength;
    if (n >= 0x100000000) throw new Error(`Too large binary: ${n}`);
    this.reserve(5);
    const b = this.bytes;
    if (n < 0x100) {
      b[this.pos++] = 0xc4;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = 0xc5;
      b[this.pos++] = n >>> 8;
      b[this.pos++] = n & 0xff;
    } else {
      b[this.pos++] = 0xc6;
      this.view().setUint32(this.pos, n);
      this.pos += 4;
    }
    this.put(value);
  }

  /** A map or array header: the fix form below 16, else the 16- or 32-bit form. */
  header(size: number, fix: number, form16: number, form32: number): void {
    this.reserve(5);
    const b = this.bytes;
    if (size < 16) b[this.pos++] = fix + size;
    else if (size < 0x10000) {
      b[this.pos++] = form16;
      b[this.pos++] = size >>> 8;
      b[this.pos++] = size & 0xff;
    } else {
      b[this.pos++] = form32;
      b[this.pos++] = size >>> 24;
      b[this.pos++] = (size >>> 16) & 0xff;
      b[this.pos++] = (size >>> 8) & 0xff;
      b[this.pos++] = size & 0xff;
    }
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(this.bytes.byteLength * 2, this.pos + n));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }
}
