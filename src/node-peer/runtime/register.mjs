// Loaded first in every Node peer process (`await import()` it before anything imports webtorrent): installs the
// module resolution hooks of hooks.mjs, so webtorrent's Node build runs here with @roamhq/wrtc as its WebRTC.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
