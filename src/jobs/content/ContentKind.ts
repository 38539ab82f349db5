/**
 * What a file is, broadly: the family its MIME type belongs to, for filters and icons.
 *
 * - `image`, `video`, `audio`: media, including containers identified by their codec or brand.
 * - `document`: PDF, office documents, e-books, PostScript, RTF.
 * - `archive`: compressed and packed files (zip, gzip, tar, 7z, rar...), when not a more specific format.
 * - `text`: prose and tabular text (plain text, Markdown, CSV).
 * - `code`: source code, markup and configuration (JavaScript, HTML, JSON, YAML, shell scripts...).
 * - `executable`: native programs and libraries, WebAssembly, Java and Android packages.
 * - `database`: SQLite and other database files.
 * - `unknown`: anything else, including files whose bytes were not recognised.
 */
export type ContentKind =
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'archive'
  | 'text'
  | 'code'
  | 'executable'
  | 'database'
  | 'unknown';
