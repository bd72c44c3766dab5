// The embed's query string and the snippets that write it: what any page can put there is validated, and what
// the generator writes parses back to the same player.
import { describe, expect, it } from 'vitest';
import { embedUrl, parseEmbedParams, type EmbedParams } from '../../src/widget/embed-params.ts';
import { attr, elementSnippet, iframeSnippet } from '../../src/widget/snippet.ts';

const MAGNET = `magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=clip.webm&tr=ws%3A%2F%2F127.0.0.1%3A1%2Fannounce`;

describe('parseEmbedParams', () => {
  it('accepts a magnet with options', () => {
    const parsed = parseEmbedParams(`?magnet=${encodeURIComponent(MAGNET)}&file=2&autoplay=1&muted`);
    expect(parsed).toEqual({ ok: true, params: { source: { kind: 'magnet', uri: MAGNET }, file_index: 2, autoplay: true, muted: true } });
  });

  it('accepts an http(s) torrent URL and refuses other schemes', () => {
    expect(parseEmbedParams('?torrent=https%3A%2F%2Fexample.org%2Fa.torrent')).toMatchObject({ ok: true, params: { source: { kind: 'torrent_url', url: 'https://example.org/a.torrent' } } });
    expect(parseEmbedParams('?torrent=javascript%3Aalert(1)')).toMatchObject({ ok: false });
    expect(parseEmbedParams('?torrent=not%20a%20url')).toMatchObject({ ok: false });
  });

  it('refuses a missing source, a fake magnet, a bad file index', () => {
    expect(parseEmbedParams('')).toMatchObject({ ok: false });
    expect(parseEmbedParams('?magnet=magnet%3A%3Fdn%3Dx')).toMatchObject({ ok: false });
    expect(parseEmbedParams(`?magnet=${encodeURIComponent(MAGNET)}&file=-1`)).toMatchObject({ ok: false });
    expect(parseEmbedParams(`?magnet=${encodeURIComponent(MAGNET)}&file=1.5`)).toMatchObject({ ok: false });
  });
});

describe('snippets', () => {
  const params: EmbedParams = { source: { kind: 'magnet', uri: MAGNET }, file_index: null, autoplay: false, muted: true };

  it('the embed URL round-trips through the parser', () => {
    const url = new URL(embedUrl('https://seedpay.example', params));
    expect(url.origin + url.pathname).toBe('https://seedpay.example/embed.html');
    expect(parseEmbedParams(url.search)).toEqual({ ok: true, params });
  });

  it('the element snippet is one script tag and one element, attribute-escaped', () => {
    const code = elementSnippet('https://seedpay.example', params);
    expect(code).toBe(`<script src="https://seedpay.example/widget.js" async></script>\n<seedpay-player magnet="${attr(MAGNET)}" muted></seedpay-player>`);
    expect(code).not.toContain('&dn=');
    expect(attr('"><script>')).toBe('&quot;&gt;&lt;script&gt;');
  });

  it('the iframe snippet points at the embed URL', () => {
    expect(iframeSnippet('https://seedpay.example', params)).toContain(`src="${attr(embedUrl('https://seedpay.example', params))}"`);
  });
});
