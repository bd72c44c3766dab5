// @ts-check
// Seedpay embeddable player — the one script a third-party page includes:
//   <script src="https://SEEDPAY/widget.js" async></script>
//   <seedpay-player magnet="magnet:?xt=urn:btih:…"></seedpay-player>     (or src-torrent="https://…/x.torrent")
// Optional attributes: file (index), autoplay, muted. The element wraps an iframe of SEEDPAY/embed.html in a closed
// shadow root. Why an iframe: the player's peer worker, the service worker that streams, and the visitor's wallet
// must stay in the Seedpay origin, where the host page's scripts cannot reach them (same-origin policy); a custom
// element running in the host page would put them all in the host's origin. The element re-dispatches the player's
// phase as a `seedpay-phase` event (detail: { phase }) and nothing else crosses.
// Plain JS, no imports, wrapped in a function: it runs as a classic script in someone else's page.
(() => {
  const TAG = 'seedpay-player';
  if (customElements.get(TAG)) return;
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const SEEDPAY_ORIGIN = script && script.src ? new URL(script.src).origin : location.origin;
  /** @type {Map<Window, HTMLElement>} */
  const players = new Map();

  class SeedpayPlayer extends HTMLElement {
    static get observedAttributes() {
      return ['magnet', 'src-torrent', 'file', 'autoplay', 'muted'];
    }

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'closed' });
      const style = document.createElement('style');
      style.textContent =
        ':host{display:block;width:100%;max-width:720px;aspect-ratio:16/11;background:#000;border-radius:8px;overflow:hidden}' +
        'iframe{display:block;width:100%;height:100%;border:0}';
      this.frame = document.createElement('iframe');
      this.frame.title = 'Seedpay player';
      this.frame.allow = 'autoplay; fullscreen; picture-in-picture';
      this.frame.allowFullscreen = true;
      this.frame.referrerPolicy = 'no-referrer';
      root.append(style, this.frame);
    }

    connectedCallback() {
      this.render();
      if (this.frame.contentWindow) players.set(this.frame.contentWindow, this);
    }

    disconnectedCallback() {
      for (const [win, el] of players) if (el === this) players.delete(win);
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    render() {
      const url = new URL('/embed.html', SEEDPAY_ORIGIN);
      const magnet = this.getAttribute('magnet');
      const torrent = this.getAttribute('src-torrent');
      if (magnet) url.searchParams.set('magnet', magnet);
      else if (torrent) url.searchParams.set('torrent', new URL(torrent, location.href).href);
      else return;
      const file = this.getAttribute('file');
      if (file) url.searchParams.set('file', file);
      if (this.hasAttribute('autoplay')) url.searchParams.set('autoplay', '1');
      if (this.hasAttribute('muted')) url.searchParams.set('muted', '1');
      if (this.frame.src !== url.href) this.frame.src = url.href;
      if (this.frame.contentWindow) players.set(this.frame.contentWindow, this);
    }
  }

  window.addEventListener('message', (event) => {
    if (event.origin !== SEEDPAY_ORIGIN) return;
    const data = event.data;
    if (!data || data.type !== 'seedpay-player' || typeof data.phase !== 'string') return;
    const element = players.get(/** @type {Window} */ (event.source));
    if (element) element.dispatchEvent(new CustomEvent('seedpay-phase', { detail: { phase: data.phase.slice(0, 40) } }));
  });

  customElements.define(TAG, SeedpayPlayer);
})();
