/**
 * Coerce anything caught into an `Error`, once, in one place. Strings and plain objects keep their text.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  if (value && typeof value === 'object' && 'message' in value && typeof value.message === 'string') {
    const error = new Error(value.message);
    if ('name' in value && typeof value.name === 'string') error.name = value.name;
    return error;
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(`Non-error value thrown: ${text}`);
}
