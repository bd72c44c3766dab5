// Module resolution hooks for the Node peer (node:module register): two redirects, each for a reason outside our code.
// - `webrtc-polyfill` (imported by simple-peer, which webtorrent and bittorrent-tracker use) wraps node-datachannel,
//   whose install script downloads its binary from GitHub, so it is not built here. @roamhq/wrtc ships its Linux
//   binary as a registry package: wrtc.mjs gives simple-peer the same RTC classes from it.
// - webtorrent 2.8.5's lib/torrent.js hex-encodes an info hash that is already a hex string; uint8-util 2.3's Node
//   arr2hex throws on strings, so adding any torrent crashes (webtorrent/webtorrent-cli#365, still open).
//   uint8-util.mjs passes strings through, for that one importer only.
const WRTC = new URL('./wrtc.mjs', import.meta.url).href;
const UINT8_UTIL = new URL('./uint8-util.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'webrtc-polyfill') return { url: WRTC, shortCircuit: true };
  if (specifier === 'uint8-util' && context.parentURL?.endsWith('/node_modules/webtorrent/lib/torrent.js')) {
    return { url: UINT8_UTIL, shortCircuit: true };
  }
  return next(specifier, context);
}
