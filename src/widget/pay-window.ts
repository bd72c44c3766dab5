// The embed's side of the pay window (see pay-grant.ts): opens the first-party Seedpay window from a click, and
// waits for its answer. Only a message whose source is that very window and whose origin is Seedpay's counts; a
// grant is checked (shape, key kind, key proof) before it is used. Closing the window is a "no".
import { checkGrant, PAY_DECLINED, payRequestQuery, type PayGrant, type PayRequest } from './pay-grant.ts';

export const PAY_WINDOW_PATH = '/embed-pay.html';
export const PAY_WINDOW_NAME = 'seedpay-pay';
/** How often the embed looks whether the visitor closed the window. */
export const CLOSED_POLL_MS = 500;
const FEATURES = 'popup,width=480,height=640';

export type PayWindowOutcome =
  | { readonly kind: 'granted'; readonly grant: PayGrant }
  | { readonly kind: 'declined' }
  /** Closed without an answer. */
  | { readonly kind: 'closed' }
  /** The browser blocked the window (no click, or a popup blocker). */
  | { readonly kind: 'blocked' }
  | { readonly kind: 'invalid'; readonly error: string };

/** The top-level page the player is on, as the browser reports it (not the host's own word); '' where unknown. */
export function topLevelOrigin(loc: Location = location): string {
  const ancestors = loc.ancestorOrigins;
  return ancestors && ancestors.length > 0 ? (ancestors[ancestors.length - 1] ?? '') : '';
}

export function payWindowUrl(origin: string, request: PayRequest): string {
  return `${origin}${PAY_WINDOW_PATH}?${payRequestQuery(request)}`;
}

/** Must run inside a click handler (browsers open windows only on a user's gesture). */
export function openPayWindow(request: PayRequest, win: Window = window): Promise<PayWindowOutcome> {
  const popup = win.open(payWindowUrl(win.location.origin, request), PAY_WINDOW_NAME, FEATURES);
  if (!popup) return Promise.resolve({ kind: 'blocked' });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PayWindowOutcome): void => {
      if (settled) return;
      settled = true;
      win.removeEventListener('message', onMessage);
      win.clearInterval(poll);
      resolve(outcome);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.source !== popup || event.origin !== win.location.origin) return;
      const data: unknown = event.data;
      if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === PAY_DECLINED) {
        finish({ kind: 'declined' });
        return;
      }
      void checkGrant(data).then((checked) => finish(checked.ok ? { kind: 'granted', grant: checked.grant } : { kind: 'invalid', error: checked.error }));
    };
    // A grant posted just before the window closed is still in the queue: let it win over the closed poll.
    const poll = win.setInterval(() => {
      if (popup.closed) win.setTimeout(() => finish({ kind: 'closed' }), CLOSED_POLL_MS);
    }, CLOSED_POLL_MS);
    win.addEventListener('message', onMessage);
  });
}
