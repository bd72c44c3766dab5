// Reads the info hash and display name out of a magnet link, so a magnet shows in the list at once while the
// peer fetches its metadata. Accepts BEP 9's hex form and the older base32 form.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface MagnetFacts {
  readonly info_hash: string;
  readonly name: string | null;
}

function base32ToHex(text: string): string | null {
  let bits = '';
  for (const char of text.toLowerCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) return null;
    bits += value.toString(2).padStart(5, '0');
  }
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex.slice(0, 40);
}

export function parseMagnet(uri: string): MagnetFacts | null {
  if (!uri.startsWith('magnet:?')) return null;
  const params = new URLSearchParams(uri.slice('magnet:?'.length));
  for (const xt of params.getAll('xt')) {
    const match = /^urn:btih:([0-9a-fA-F]{40}|[a-zA-Z2-7]{32})$/.exec(xt);
    if (!match?.[1]) continue;
    const id = match[1].length === 40 ? match[1].toLowerCase() : base32ToHex(match[1]);
    if (id) return { info_hash: id, name: params.get('dn') };
  }
  return null;
}
