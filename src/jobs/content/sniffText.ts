/**
 * Whether the first bytes of a file are text, and what the text says it is: SVG, HTML or XML from its
 * prolog and first element, a script from its `#!` line, else plain text.
 *
 * Text is what the WHATWG MIME sniffing standard calls free of "binary data bytes" (C0 controls other than
 * tab, line feed, form feed, carriage return and escape; NUL above all) and, here, valid UTF-8. A multi-byte
 * character cut by the end of the head is not held against it: the head is usually only the file's start.
 * UTF-16 with a byte order mark is text too, but its contents are not read further.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { hasAt } from './byteReads.js';
import type { ContentKind } from './ContentKind.js';

/** What text turned out to be; `generic` when it is not more than text, so its extension may say more. */
export interface TextType {
  readonly mime: string;
  readonly kind: ContentKind;
  /** True when the bytes only say "text" (plain text, or a hint an extension may override). */
  readonly generic: boolean;
}

/** How far into the text to look for the first element: past an XML declaration, comments, a DOCTYPE. */
const PROLOG_LIMIT = 16 * 1024;

/**
 * The binary data bytes, as a character class. Tested on the bytes read as Latin-1 it runs two to four
 * times faster than a loop over the bytes (some 40 µs for 64 KiB here).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what it looks for.
const BINARY_BYTE = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;

/** `bytes` without a trailing multi-byte UTF-8 sequence that ends early (the head cut it). */
function withoutCutTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

function isUtf8Text(bytes: Uint8Array): boolean {
  const asLatin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return !BINARY_BYTE.test(asLatin1) && isUtf8(withoutCutTail(bytes));
}

/** The DOCTYPE's root name and the first element's local name (both lower case), after an XML prolog. */
function prolog(text: string): { xml: boolean; doctype: string | null; element: string | null } {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let xml = false;
  let doctype: string | null = null;
  for (;;) {
    while (at < text.length && /\s/.test(text[at])) at++;
    if (text.startsWith('<?', at)) {
      xml ||= text.startsWith('<?xml', at);
      const end = text.indexOf('?>', at);
      if (end < 0) break;
      at = end + 2;
    } else if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) break;
      at = end + 3;
    } else if (/^<!doctype\s/i.test(text.slice(at, at + 10))) {
      doctype = /^<!doctype\s+([^\s>[]+)/i.exec(text.slice(at, at + 200))?.[1]?.toLowerCase() ?? '';
      // An internal subset in brackets may itself contain '>'.
      const bracket = text.indexOf('[', at);
      const close = text.indexOf('>', at);
      const end = bracket >= 0 && bracket < close ? text.indexOf(']>', bracket) : close;
      if (end < 0) break;
      at = end + (bracket >= 0 && bracket < close ? 2 : 1);
    } else {
      const name = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(at, at + 100))?.[1];
      const element = name === undefined ? null : name.slice(name.lastIndexOf(':') + 1).toLowerCase();
      return { xml, doctype, element };
    }
  }
  return { xml, doctype, element: null };
}

const INTERPRETERS: Readonly<Record<string, readonly [mime: string, kind: ContentKind]>> = {
  sh: ['text/x-shellscript', 'code'],
  bash: ['text/x-shellscript', 'code'],
  zsh: ['text/x-shellscript', 'code'],
  dash: ['text/x-shellscript', 'code'],
  ksh: ['text/x-shellscript', 'code'],
  python: ['text/x-python', 'code'],
  node: ['text/javascript', 'code'],
  nodejs: ['text/javascript', 'code'],
  perl: ['text/x-perl', 'code'],
  ruby: ['text/x-ruby', 'code'],
  php: ['text/x-php', 'code'],
  lua: ['text/x-lua', 'code'],
};

/** The type a `#!` line names: its interpreter (or the one `env` runs), without a version suffix. */
function shebang(text: string): TextType {
  const line = text.slice(2, text.indexOf('\n') < 0 ? 200 : text.indexOf('\n'));
  const words = line.trim().split(/\s+/);
  let program = (words[0] ?? '').slice((words[0] ?? '').lastIndexOf('/') + 1);
  if (program === 'env') program = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('=')) ?? '';
  const name = program.replace(/[\d.]+$/, '');
  const [mime, kind] = Object.hasOwn(INTERPRETERS, name)
    ? INTERPRETERS[name]
    : (['text/plain', 'code'] as const);
  return { mime, kind, generic: true };
}

/**
 * What the start of a file says about itself if it is text, or `null` when it is not text.
 *
 * @example
 * ```ts
 * sniffText(new TextEncoder().encode('<?xml version="1.0"?><svg xmlns=...'));
 * // { mime: 'image/svg+xml', kind: 'image', generic: false }
 * ```
 */
export function sniffText(head: Uint8Array): TextType | null {
  if (hasAt(head, 0, [0xfe, 0xff]) || hasAt(head, 0, [0xff, 0xfe])) {
    return { mime: 'text/plain', kind: 'text', generic: true };
  }
  if (!isUtf8Text(head)) return null;
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, PROLOG_LIMIT)).toString(
    'utf8',
  );
  if (text.startsWith('#!')) return shebang(text);
  const { xml, doctype, element } = prolog(text);
  if (element === 'svg' || doctype === 'svg') return { mime: 'image/svg+xml', kind: 'image', generic: false };
  if (doctype === 'html' || element === 'html' || element === 'head' || element === 'body') {
    return { mime: 'text/html', kind: 'code', generic: true };
  }
  if (xml) return { mime: 'application/xml', kind: 'code', generic: true };
  return { mime: 'text/plain', kind: 'text', generic: true };
}
