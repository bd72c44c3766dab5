// The copy-paste embed code for a torrent: the loader script plus one <seedpay-player> element (recommended), or
// a bare iframe for sites that allow no scripts. Pure; EmbedSnippet.svelte shows it.
import { embedUrl, type EmbedParams } from './embed-params.ts';

/** Escapes text for a double-quoted HTML attribute. */
export function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function elementSnippet(seedpay_origin: string, params: EmbedParams): string {
  const source = params.source.kind === 'magnet' ? `magnet="${attr(params.source.uri)}"` : `src-torrent="${attr(params.source.url)}"`;
  const extra = [
    params.file_index !== null ? ` file="${params.file_index}"` : '',
    params.autoplay ? ' autoplay' : '',
    params.muted ? ' muted' : '',
  ].join('');
  return `<script src="${attr(new URL('/widget.js', seedpay_origin).href)}" async></script>\n<seedpay-player ${source}${extra}></seedpay-player>`;
}

export function iframeSnippet(seedpay_origin: string, params: EmbedParams): string {
  return `<iframe src="${attr(embedUrl(seedpay_origin, params))}" title="Seedpay player" width="640" height="440" ` +
    `allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`;
}
