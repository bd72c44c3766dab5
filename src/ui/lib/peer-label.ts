// How a peer row tells peers apart and says what is happening, in words: the client from the peer id's
// Azureus-style prefix (BEP 20: "-WW0208-…" is WebTorrent 2.8), a short tag from the id's random tail, and one
// state from the two choke flags that can never contradict itself. Pure, so it is tested without a browser.

/** Azureus-style client codes seen in WebTorrent swarms (BEP 20 and the clients' own docs). */
const CLIENT_CODES: Readonly<Record<string, string>> = {
  WW: 'WebTorrent',
  WD: 'WebTorrent Desktop',
  qB: 'qBittorrent',
  TR: 'Transmission',
  UT: 'µTorrent',
  UM: 'µTorrent Mac',
  BT: 'BitTorrent',
  DE: 'Deluge',
  LT: 'libtorrent',
  lt: 'libTorrent (rakshasa)',
  AZ: 'Vuze',
  BI: 'BiglyBT',
  KT: 'KTorrent',
  TX: 'Tixati',
};
/** A peer id is 20 bytes: 40 hex characters on the wire status. */
const PEER_ID_HEX_CHARS = 40;
/** Hex characters of the id's random tail shown as the peer's tag: 24 bits tell a swarm's peers apart. */
const TAG_HEX_CHARS = 6;
/** Hex characters kept at each end of a payment key's fingerprint. */
const FINGERPRINT_KEEP_CHARS = 4;

function hexToAscii(hex: string): string {
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) out += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** "WebTorrent 2.8" from "-WW0208-…"; "Unknown client" when the id follows no known convention. */
export function clientName(peer_id_hex: string): string {
  if (!/^[0-9a-f]+$/i.test(peer_id_hex) || peer_id_hex.length !== PEER_ID_HEX_CHARS) return 'Unknown client';
  const prefix = /^-([A-Za-z~]{2})([0-9A-Za-z]{4})-/.exec(hexToAscii(peer_id_hex.slice(0, 16)));
  if (!prefix) return 'Unknown client';
  const [, code = '', version = ''] = prefix;
  const name = CLIENT_CODES[code] ?? `Client ${code}`;
  // WebTorrent writes major and minor as two digits each ("0208" = 2.8); others write one digit per part.
  const digits = /^\d{4}$/.test(version) ? (code === 'WW' || code === 'WD' ? `${Number(version.slice(0, 2))}.${Number(version.slice(2))}` : version.split('').join('.')) : version;
  return `${name} ${digits}`;
}

/** A short tag from the peer id's last bytes (the random part), so two peers of the same client differ. */
export function peerTag(peer_id_hex: string): string {
  return `#${peer_id_hex.slice(-TAG_HEX_CHARS).toLowerCase()}`;
}

/** The payment key as a person compares it: "ab12…cd34". */
export function keyFingerprint(public_key_hex: string): string {
  const k = public_key_hex.toLowerCase();
  return k.length <= FINGERPRINT_KEEP_CHARS * 2 ? k : `${k.slice(0, FINGERPRINT_KEEP_CHARS)}…${k.slice(-FINGERPRINT_KEEP_CHARS)}`;
}

export type PeerActivity = 'banned' | 'both' | 'receiving' | 'sending' | 'waiting';

/** One state from the choke flags: who is allowed to send to whom right now. */
export function peerActivity(p: { readonly banned: boolean; readonly am_choking: boolean; readonly peer_choking: boolean }): PeerActivity {
  if (p.banned) return 'banned';
  if (!p.peer_choking && !p.am_choking) return 'both';
  if (!p.peer_choking) return 'receiving';
  if (!p.am_choking) return 'sending';
  return 'waiting';
}

export const ACTIVITY_TEXT: Readonly<Record<PeerActivity, string>> = {
  banned: 'Banned',
  both: 'Trading both ways',
  receiving: 'Sending to us',
  sending: 'We send to it',
  waiting: 'Waiting',
};
