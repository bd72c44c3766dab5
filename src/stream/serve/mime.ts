// Content types for the files a torrent streams, from their names: what the <video>/<audio> element needs to pick
// a demuxer, and what the player uses to decide which files are playable. Unknown types are not guessed.

const TYPES: Readonly<Record<string, string>> = {
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  ogv: 'video/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  weba: 'audio/webm',
};

export const FALLBACK_TYPE = 'application/octet-stream';

export function mimeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return FALLBACK_TYPE;
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? FALLBACK_TYPE;
}

export type MediaKind = 'video' | 'audio';

export function mediaKindOf(name: string): MediaKind | null {
  const type = mimeOf(name);
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return null;
}
