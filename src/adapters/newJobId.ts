import { randomUUID } from 'node:crypto';

/** A fresh job id: a random UUID. */
export function newJobId(): string {
  return randomUUID();
}
