// `npm run cdn -- <url>`: turns a file on the publisher's own site into a CDN link (docs/cdn-links.md) — a torrent
// whose BEP 19 web seed is that URL — registers its .torrent with the Seedpay server and prints magnet and widget code.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCdnTorrent, cdnMagnet, cdnPieceLength, isWebSeedUrl, MAX_CDN_FILE_BYTES, MAX_CDN_NAME_LENGTH } from '../protocol/cdn-torrent.ts';
import { elementSnippet } from '../widget/snippet.ts';

const USAGE = `usage: npm run cdn -- [options] <url>

Fetches the file at <url>, hashes it and makes a torrent whose web seed is <url>: visitors download from the origin
and from paid Seedpay peers at once, and once providers hold it the origin may go away. Registers the .torrent with
the Seedpay server (so the magnet opens with no peer, and earn-mode providers find the web seed) and prints the
magnet and the widget snippet. Browsers can use the web seed only if the origin sends CORS headers and honours Range.

options:
  --server <url>          Seedpay server (default http://127.0.0.1:8080)
  --name <name>           torrent name (default: the URL's last path segment)
  --piece-length <bytes>  piece length, a power of two (default: by size, 256 KiB and up)
  --out <file>            where to write the .torrent (default ./<name>.torrent)
  --no-register           do not register with the server (the magnet then needs a peer for its metadata)`;

interface Options {
  url: string;
  server: string;
  name: string | null;
  piece_length: number | null;
  out: string | null;
  register: boolean;
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      name: { type: 'string' },
      'piece-length': { type: 'string' },
      out: { type: 'string' },
      'no-register': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const url = positionals[0] as string;
  if (!isWebSeedUrl(url)) throw new Error(`<url> must be an http(s) URL without credentials, not ${url}`);
  const server = values.server.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) throw new Error(`--server must be an http(s) origin, not ${values.server}`);
  let piece_length: number | null = null;
  if (values['piece-length'] !== undefined) {
    piece_length = Number(values['piece-length']);
    if (!Number.isSafeInteger(piece_length) || piece_length < 16_384 || (piece_length & (piece_length - 1)) !== 0) {
      throw new Error('--piece-length must be a power of two, at least 16384');
    }
  }
  if (values.name !== undefined && (values.name.length === 0 || values.name.length > MAX_CDN_NAME_LENGTH || /[/\\]/.test(values.name))) {
    throw new Error(`--name must be 1-${MAX_CDN_NAME_LENGTH} characters without slashes`);
  }
  return { url, server, name: values.name ?? null, piece_length, out: values.out ?? null, register: !values['no-register'] };
}

function nameOf(url: string): string {
  const last = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
  return last.length > 0 && last.length <= MAX_CDN_NAME_LENGTH && !/[/\\]/.test(last) ? last : 'file';
}

/** Streams the body once: SHA-1 per piece for the torrent, SHA-256 of the whole file to compare downloads with. */
async function hashBody(response: Response, piece_length: number) {
  if (!response.body) throw new Error('the origin sent no body');
  const pieces: Buffer[] = [];
  const whole = createHash('sha256');
  let piece = createHash('sha1');
  let in_piece = 0;
  let length = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    whole.update(chunk);
    length += chunk.length;
    if (length > MAX_CDN_FILE_BYTES) throw new Error('the file is too large');
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(piece_length - in_piece, chunk.length - offset);
      piece.update(chunk.subarray(offset, offset + take));
      in_piece += take;
      offset += take;
      if (in_piece === piece_length) {
        pieces.push(piece.digest());
        piece = createHash('sha1');
        in_piece = 0;
      }
    }
  }
  if (in_piece > 0) pieces.push(piece.digest());
  return { pieces: new Uint8Array(Buffer.concat(pieces)), length, sha256_hex: whole.digest('hex') };
}

/** What a browser needs of a web seed: Range (206) and CORS. Warnings only: a Node peer needs neither CORS. */
async function checkOrigin(url: string): Promise<string[]> {
  const warnings: string[] = [];
  const probe = await fetch(url, { headers: { Range: 'bytes=0-0', Origin: 'https://seedpay.invalid' } });
  await probe.body?.cancel();
  if (probe.status !== 206) warnings.push(`the origin answered a Range request with ${probe.status}, not 206: web seed downloads will fail`);
  if (!probe.headers.get('access-control-allow-origin')) {
    warnings.push('the origin sends no Access-Control-Allow-Origin: browsers cannot fetch from this web seed (peers still can serve it)');
  }
  return warnings;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const started = Date.now();
  const response = await fetch(o.url);
  if (response.status !== 200) throw new Error(`the origin answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  const piece_length = o.piece_length ?? cdnPieceLength(declared);
  const body = await hashBody(response, piece_length);
  if (body.length === 0) throw new Error('the file is empty');
  const name = o.name ?? nameOf(o.url);
  const torrent = buildCdnTorrent({
    name,
    length_bytes: body.length,
    piece_length,
    pieces: body.pieces,
    web_seed: o.url,
    announce: `${o.server.replace(/^http/, 'ws')}/announce`,
  });
  for (const warning of await checkOrigin(o.url)) console.error(`warning: ${warning}`);
  const out = resolve(o.out ?? `${name}.torrent`);
  writeFileSync(out, torrent.torrent_file);
  console.log(`${name}: ${body.length} bytes, ${piece_length / 1024} KiB pieces, hashed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`sha256 ${body.sha256_hex}`);
  console.log(`info hash ${torrent.info_hash}`);
  console.log(`torrent file ${out}`);
  let torrent_url: string | null = null;
  if (o.register) {
    const registered = await fetch(`${o.server}/cdn`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-bittorrent' },
      body: Buffer.from(torrent.torrent_file),
    });
    const json = (await registered.json()) as { torrent_url?: string; error?: string };
    if (registered.status !== 201 || !json.torrent_url) throw new Error(`the server refused the torrent: ${json.error ?? registered.status}`);
    torrent_url = json.torrent_url;
    console.log(`registered ${torrent_url}`);
  }
  const magnet = cdnMagnet(torrent, torrent_url);
  console.log(`magnet ${magnet}`);
  console.log('widget:');
  console.log(elementSnippet(o.server, { source: { kind: 'magnet', uri: magnet }, file_index: null, autoplay: false, muted: false }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
