/**
 * Bare audio streams, which have no container to announce them: MPEG audio (MP3), AAC in ADTS frames, and
 * the ID3v2 tag that often opens either.
 */
import { hasAt, u8 } from './byteReads.js';

/** MPEG audio bit rates in kbit/s by index: MPEG-1 layer III, MPEG-1 layer II, MPEG-2 and 2.5 layers II/III. */
const BIT_RATES = [
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/**
 * The length of the MPEG audio layer II or III frame whose header is at `at`, or -1 when there is no valid
 * header there (free-format and layer I frames included: too rare to be worth the false positives).
 */
function mpegFrameLength(bytes: Uint8Array, at: number): number {
  const [b0, b1, b2] = [u8(bytes, at), u8(bytes, at + 1), u8(bytes, at + 2)];
  if (b0 !== 0xff || b2 < 0 || (b1 & 0xe0) !== 0xe0) return -1;
  const version = (b1 >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
  const layer = (b1 >> 1) & 3; // 1: III, 2: II, 3: I, 0: reserved
  const rateIndex = b2 >> 4;
  const sampleIndex = (b2 >> 2) & 3;
  if (
    version === 1 ||
    layer === 0 ||
    layer === 3 ||
    rateIndex === 0 ||
    rateIndex === 15 ||
    sampleIndex === 3
  ) {
    return -1;
  }
  const table = version === 3 ? (layer === 1 ? 0 : 1) : 2;
  const bitRate = BIT_RATES[table][rateIndex] * 1000;
  const sampleRate = [44100, 48000, 32000][sampleIndex] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const perSample = layer === 1 && version !== 3 ? 72 : 144;
  return Math.floor((perSample * bitRate) / sampleRate) + ((b2 >> 1) & 1);
}

/** The length of the ADTS (AAC) frame at `at`, or -1. */
function adtsFrameLength(bytes: Uint8Array, at: number): number {
  if (u8(bytes, at) !== 0xff || (u8(bytes, at + 1) & 0xf6) !== 0xf0) return -1;
  const [b2, b3, b4, b5] = [u8(bytes, at + 2), u8(bytes, at + 3), u8(bytes, at + 4), u8(bytes, at + 5)];
  if (b5 < 0 || ((b2 >> 2) & 0xf) > 12) return -1;
  const length = ((b3 & 3) << 11) | (b4 << 3) | (b5 >> 5);
  return length >= 7 ? length : -1;
}

/** A frame at `at` whose successor, when the head reaches it, is a frame too. */
function framesAt(
  head: Uint8Array,
  at: number,
  frameLength: (bytes: Uint8Array, at: number) => number,
): boolean {
  const length = frameLength(head, at);
  if (length < 0) return false;
  return at + length + 3 > head.length || frameLength(head, at + length) >= 0;
}

/**
 * The type of a bare audio stream: MP3 (an ID3v2 tag, or MPEG audio frames), AAC in ADTS frames, or FLAC
 * behind an ID3 tag; `null` otherwise. Frame sync is weak (eleven set bits), so a frame counts only when the
 * next one, if the head reaches it, is a frame too.
 */
export function audioStreamType(head: Uint8Array): 'audio/mpeg' | 'audio/aac' | 'audio/flac' | null {
  if (hasAt(head, 0, 'ID3') && u8(head, 3) >= 2 && u8(head, 3) <= 4) {
    // An ID3v2 tag: 10-byte header, syncsafe size (7 bits a byte), 10 more bytes when it has a footer.
    let size = 0;
    for (let i = 6; i < 10; i++) size = (size << 7) | (u8(head, i) & 0x7f);
    const at = 10 + size + (u8(head, 5) & 0x10 ? 10 : 0);
    if (at >= head.length) return 'audio/mpeg';
    if (hasAt(head, at, 'fLaC')) return 'audio/flac';
    if (framesAt(head, at, adtsFrameLength)) return 'audio/aac';
    return 'audio/mpeg';
  }
  if (framesAt(head, 0, adtsFrameLength)) return 'audio/aac';
  if (framesAt(head, 0, mpegFrameLength)) return 'audio/mpeg';
  return null;
}
