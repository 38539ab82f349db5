import { type SniffResult, sniffFile } from '../../content/sniff.js';

/** What the deep phase calls to sniff one file: the path (string or bytes) and its size from `lstat`. */
export type DeepSniff = (file: string | Buffer, size: number) => Promise<SniffResult>;

/**
 * The deep phase's sniffer: `sniffFile`, unless a test put a wrapper in its place (to count the sniffs in
 * flight, hold them, or change a file at the moment it is sniffed). Restore `sniff` when done.
 */
export const deepSniffer: { sniff: DeepSniff } = { sniff: sniffFile };
