// The control frames of the paid services' wires (proxy, storage): one type byte, then a JSON object in UTF-8.
// Parsing is bounded and strict, and never throws: too long, not UTF-8, not JSON or not an object is a typed error.

export type ControlBodyError = 'too_large' | 'bad_json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON object after a control frame's type byte, if the frame is at most `max_bytes` long and well formed. */
export function parseControlBody(
  frame: Uint8Array,
  max_bytes: number,
): { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly error: ControlBodyError } {
  if (frame.length > max_bytes) return { ok: false, error: 'too_large' };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(frame.subarray(1)));
  } catch {
    return { ok: false, error: 'bad_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'bad_json' };
  return { ok: true, value: value as Record<string, unknown> };
}
