// Hash routes (#/torrents, #/torrents/<info hash>, #/wallet, #/exchange, #/fetch, #/charts, #/settings): deep links survive a reload
// and the browser's back button works, with no router library.
export type Route =
  | { readonly view: 'torrents' }
  | { readonly view: 'torrent'; readonly info_hash: string }
  | { readonly view: 'wallet' }
  | { readonly view: 'exchange' }
  | { readonly view: 'fetch' }
  | { readonly view: 'charts' }
  | { readonly view: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  switch (parts[0]) {
    case 'torrents':
      return parts[1] && /^[0-9a-f]{40}$/i.test(parts[1]) ? { view: 'torrent', info_hash: parts[1].toLowerCase() } : { view: 'torrents' };
    case 'wallet':
      return { view: 'wallet' };
    case 'exchange':
      return { view: 'exchange' };
    case 'fetch':
      return { view: 'fetch' };
    case 'charts':
      return { view: 'charts' };
    case 'settings':
      return { view: 'settings' };
    default:
      return { view: 'torrents' };
  }
}

export function href(route: Route): string {
  return route.view === 'torrent' ? `#/torrents/${route.info_hash}` : `#/${route.view}`;
}

class RouteState {
  #current = $state<Route>(parseRoute(globalThis.location?.hash ?? ''));

  get current(): Route {
    return this.#current;
  }

  listen(): () => void {
    const update = () => {
      this.#current = parseRoute(location.hash);
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }

  go(route: Route): void {
    location.hash = href(route);
  }
}

export const route = new RouteState();
