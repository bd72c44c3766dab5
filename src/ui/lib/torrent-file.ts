// A first look at a file given as .torrent, so a wrong file gets a plain message instead of the torrent library's
// wording ("Invalid torrent identifier"). Pure: a sniff of the bencoded shape, not a parse; the peer still parses.

/** A .torrent file is a bencoded dictionary holding an "info" dictionary: `d … 4:infod … e … e`. */
const INFO_KEY = new TextEncoder().encode('4:infod');
const ASCII_D = 0x64;
const ASCII_E = 0x65;

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** null when the bytes look like a .torrent file; otherwise what to tell the person. */
export function torrentFileProblem(name: string, bytes: Uint8Array): string | null {
  if (bytes.length === 0) return `${name} is empty, so it is not a .torrent file.`;
  const shaped = bytes[0] === ASCII_D && bytes[bytes.length - 1] === ASCII_E && contains(bytes, INFO_KEY);
  return shaped ? null : `${name} is not a .torrent file. Choose the .torrent file you were given, or paste its magnet link.`;
}

/** The torrent library's words for a file it could not read, in plain language. */
export function plainTorrentError(name: string, message: string): string {
  return /invalid torrent identifier|invalid torrent|bencode|unexpected/i.test(message)
    ? `${name} is not a .torrent file Seedpay can read. Choose the .torrent file you were given, or paste its magnet link.`
    : `Could not open ${name}: ${message}.`;
}
