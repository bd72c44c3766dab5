// Plain-language words for the "Fetch through a peer" view: what is wrong with what was typed, and why a fetch
// stopped (the proxy's typed outcomes: refusals, caps, bans, drops), each a sentence a person can act on.
import type { UrlError } from '../../services/proxy/job-request.ts';
import type { RefuseCode } from '../../services/proxy/proxy-frames.ts';
import type { RequesterStop } from '../../services/proxy/requester-session.ts';

export function urlProblem(error: UrlError): string {
  switch (error) {
    case 'malformed_url': return 'That is not a web address. It should look like https://example.com/file.zip.';
    case 'scheme_not_allowed': return 'Only http:// and https:// addresses can be fetched through a peer (not file:, data: or javascript: links).';
    case 'credentials_in_url': return 'Remove the user name and password from the address: a peer never gets your credentials.';
    case 'url_too_long': return 'That address is too long to fetch through a peer.';
  }
}

const REFUSALS: Record<RefuseCode, string> = {
  bad_request: 'The peer could not read the request.',
  price_too_low: 'The peer asks more than your highest price. Raise the price to use it.',
  host_not_allowed: 'The peer does not fetch from that site.',
  job_too_large: 'The file is larger than the peer is willing to fetch.',
  day_limit: 'The peer has fetched all it will today.',
  content_type_not_allowed: 'The peer does not fetch that kind of file.',
  over_requester_max: 'The file is larger than the most you allowed.',
  fetch_failed: 'The peer could not get that address: the site did not answer, refused, or is not a public site.',
  cors_not_allowed: 'That peer fetches from its browser, which can only read sites that allow it (CORS); this one does not. Choose another peer.',
  no_validator: 'That site gives no version tag for the file, so it cannot be fetched in resumable chunks.',
  busy: 'The peer is busy. Try again in a minute.',
};

export function stopMessage(stop: RequesterStop | null): string {
  if (stop === null) return 'The fetch stopped.';
  switch (stop.kind) {
    case 'refused': return REFUSALS[stop.code];
    case 'dropped': return 'The connection to the peer dropped. Resume to continue with the chunks still missing.';
    case 'lied': return 'The peer sent bytes that do not match what it signed. It was banned and not paid for them.';
    case 'bad_offer':
      switch (stop.code) {
        case 'too_large': return 'The file is larger than the most you allowed.';
        case 'price_above_bid': return 'The peer asks more than your highest price. Raise the price to use it.';
        case 'no_validator': return 'That site gives no version tag for the file, so it cannot be fetched in resumable chunks.';
        default: return 'The peer made an offer that cannot be used.';
      }
    case 'payer':
      if (stop.reason === 'torrent_cap' || stop.reason === 'day_cap') {
        return 'Your spending cap is reached. What arrived is kept and paid; raise the cap and resume to fetch the rest.';
      }
      if (stop.reason === 'channel_open_failed' || stop.reason === 'channel_rejected') {
        return 'The ledger would not open a payment channel. Check that your balance covers the price.';
      }
      return 'Paying the peer stopped.';
    case 'provider_done':
      return stop.reason === 'validator_changed' ? 'The file changed on the site while it was being fetched. Resume to fetch the new version.'
        : stop.reason === 'cancelled' ? 'Paused.' : 'The peer ended the fetch.';
  }
}

export const NO_PROVIDER_MESSAGE = 'No peer is offering to fetch right now. Try again later, or run "npm run proxy" on a computer you control.';
export const LOCKED_MESSAGE = 'Unlock your wallet first: each chunk is paid from it.';
export const BAD_PRICE_MESSAGE = 'Enter the highest price as a BTT amount per KiB, for example 0.000002.';
export const BAD_CAP_MESSAGE = 'Enter the spending cap as a BTT amount, for example 1.';
