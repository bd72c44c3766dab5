// The "Fetch through a peer" view's words: every URL error, refusal and stop the proxy can report has its own plain
// sentence (no code names leak to the screen), and a spending cap reached says so whichever cap it was.
import { describe, expect, it } from 'vitest';
import { checkJobUrl, type UrlError } from '../../../src/services/proxy/job-request.ts';
import { REFUSE_CODES } from '../../../src/services/proxy/proxy-frames.ts';
import { stopMessage, urlProblem } from '../../../src/ui/proxy/messages.ts';

const plain = (text: string) => /^[A-Z].*[.]$/.test(text) && !/_/.test(text);

describe('fetch view messages', () => {
  it('words what the requester refuses before sending: malformed, non-http schemes, credentials, too long', () => {
    const cases: Array<[string, UrlError]> = [
      ['not a url', 'malformed_url'], ['file:///etc/passwd', 'scheme_not_allowed'], ['data:text/plain,hi', 'scheme_not_allowed'],
      ['javascript:alert(1)', 'scheme_not_allowed'], ['https://u:p@example.com/f', 'credentials_in_url'], [`https://e.com/${'a'.repeat(9000)}`, 'url_too_long'],
    ];
    const texts = cases.map(([url, code]) => {
      expect(checkJobUrl(url)).toBe(code);
      return urlProblem(code);
    });
    for (const t of texts) expect(plain(t)).toBe(true);
    expect(new Set(texts.map((t) => t.slice(0, 20))).size).toBe(4);
    expect(checkJobUrl('https://example.com/file.zip')).toBeNull();
  });

  it('has a sentence for every refusal and every way a session stops', () => {
    const texts = [
      ...REFUSE_CODES.map((code) => stopMessage({ kind: 'refused', code })),
      stopMessage({ kind: 'dropped' }), stopMessage({ kind: 'lied', verdict: 'hash_mismatch', index: 3 }), stopMessage(null),
      ...(['wrong_job', 'too_large', 'no_validator', 'unusable', 'price_above_bid'] as const).map((code) => stopMessage({ kind: 'bad_offer', code })),
      ...(['validator_changed', 'cancelled', 'fetch_failed'] as const).map((reason) => stopMessage({ kind: 'provider_done', reason })),
    ];
    for (const t of texts) expect(plain(t), t).toBe(true);
    expect(new Set(REFUSE_CODES.map((code) => stopMessage({ kind: 'refused', code }))).size).toBe(REFUSE_CODES.length);
  });

  it('says the cap is reached for the job cap and the day cap, and the ledger refusing a channel otherwise', () => {
    expect(stopMessage({ kind: 'payer', reason: 'torrent_cap' })).toMatch(/spending cap is reached/);
    expect(stopMessage({ kind: 'payer', reason: 'day_cap' })).toMatch(/spending cap is reached/);
    expect(stopMessage({ kind: 'payer', reason: 'channel_open_failed' })).toMatch(/ledger would not open/);
  });
});
