// Entry of /embed.html, the document inside the embeddable player's iframe (public/widget.js creates it from a
// <seedpay-player> element; the snippet generator can also paste it bare). Why an iframe rather than a custom
// element running in the host page: the peer worker, the service worker that answers /stream/ URLs and the wallet
// must all live in the Seedpay origin. In the host page they would be the host's — its scripts could read a wallet
// kept in its IndexedDB, and neither a worker nor a service worker can be started there from Seedpay's origin.
// The iframe keeps them behind the same-origin policy; the element is only one tag of convenience around it.
import { mount } from 'svelte';
import EmbedApp from './EmbedApp.svelte';

const target = document.getElementById('embed');
if (!target) throw new Error('missing #embed element');
mount(EmbedApp, { target, props: { search: location.search } });
