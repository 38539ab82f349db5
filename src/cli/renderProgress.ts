import type { JobProgress } from '../machines/JobProgress.js';
import { bar, formatBytes, formatCount, formatDuration } from './format.js';

/** Where the CLI writes: a terminal gets a live line, anything else JSON lines. */
export interface ProgressSink {
  progress(p: JobProgress): void;
  /** Clear the live line before printing something else. */
  clear(): void;
  line(text: string): void;
}

/** One line of the live display: phase, bar, counts, bytes, rate, ETA, errors. */
export function progressLine(p: JobProgress, columns = 100): string {
  const known = p.total > 0;
  const parts = [
    `${p.phase ?? '…'} ${p.phaseIndex + 1}/${p.phaseCount}`,
    `${bar(p.overallPercent)} ${p.overallPercent.toFixed(1).padStart(5)}%`,
    known ? `${formatCount(p.completed)}/${formatCount(p.total)}` : formatCount(p.completed),
  ];
  if (p.bytesTotal) parts.push(`${formatBytes(p.bytesCompleted ?? 0)}/${formatBytes(p.bytesTotal)}`);
  if (p.bytesRate) parts.push(`${formatBytes(p.bytesRate)}/s`);
  else if (p.rate > 0) parts.push(`${formatCount(p.rate)}/s`);
  if (known) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  if (p.errorsCount) parts.push(`${formatCount(p.errorsCount)} errors`);
  const text = parts.join('  ');
  return text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text;
}

/** A live, redrawn line on a TTY. */
export function ttySink(stream: NodeJS.WriteStream): ProgressSink {
  let shown = false;
  return {
    progress(p) {
      stream.write(`\r\x1b[2K${progressLine(p, stream.columns ?? 100)}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
    line(text) {
      this.clear();
      stream.write(`${text}\n`);
    },
  };
}

/** One JSON object per line: `{"type":"progress",...}`; other lines as `{"type":"message","text":...}`. */
export function jsonSink(stream: NodeJS.WritableStream): ProgressSink {
  return {
    progress(p) {
      stream.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
    },
    clear() {},
    line(text) {
      stream.write(`${JSON.stringify({ type: 'message', text })}\n`);
    },
  };
}
