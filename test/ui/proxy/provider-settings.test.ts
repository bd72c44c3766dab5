// The browser proxy provider's settings: what a person types is parsed or refused in words, what storage hands back
// is checked field by field (junk falls back to the defaults, and never turns the provider on), and the limits the
// provider host gets are the ones set.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROVIDER_SETTINGS, MIB, parseHosts, parseMib, parseProviderSettings, parseTypes, serializeProviderSettings, toProviderLimits,
} from '../../../src/ui/proxy/provider-settings.ts';

describe('browser provider settings', () => {
  it('parses typed lists and numbers, and words what is wrong', () => {
    expect(parseHosts(' Example.com, cdn.example.org  example.com')).toEqual({ ok: true, list: ['example.com', 'cdn.example.org'] });
    expect(parseHosts('')).toEqual({ ok: true, list: [] });
    expect(parseHosts('http://example.com')).toEqual({ ok: false, error: '"http://example.com" is not a site name such as example.com.' });
    expect(parseTypes('image/*, application/pdf')).toEqual({ ok: true, list: ['image/*', 'application/pdf'] });
    expect(parseTypes('*/*').ok).toBe(false);
    expect(parseHosts(Array.from({ length: 51 }, (_, i) => `h${i}.com`).join(',')).ok).toBe(false);
    expect([parseMib('64', 4096), parseMib('0', 4096), parseMib('1.5', 4096), parseMib('5000', 4096), parseMib('x', 4096)]).toEqual([64, null, null, null, null]);
  });

  it('reads stored settings field by field; junk falls back to the defaults and never enables the provider', () => {
    for (const junk of [null, 3, 'on', [], { enabled: 'yes' }, { enabled: 1 }]) expect(parseProviderSettings(junk)).toEqual(DEFAULT_PROVIDER_SETTINGS);
    const set = { ...DEFAULT_PROVIDER_SETTINGS, enabled: true, max_job_mib: 10, max_day_mib: 100, min_price_units_per_kib: 3n, allowed_hosts: ['example.com'], allowed_types: ['image/*'] };
    expect(parseProviderSettings(JSON.parse(JSON.stringify(serializeProviderSettings(set))))).toEqual(set);
    const bad = parseProviderSettings({ enabled: true, max_job_mib: -1, max_day_mib: 1e9, min_price_units_per_kib: '0', allowed_hosts: ['no good'], allowed_types: 7 });
    expect(bad).toEqual({ ...DEFAULT_PROVIDER_SETTINGS, enabled: true });
  });

  it('gives the provider host the limits set (empty lists serve any site and type)', () => {
    expect(toProviderLimits(DEFAULT_PROVIDER_SETTINGS)).toEqual({ price_units_per_kib: 1n, max_job_bytes: 64 * MIB, max_day_bytes: 512 * MIB, allowed_hosts: null, allowed_content_types: null });
    expect(toProviderLimits({ ...DEFAULT_PROVIDER_SETTINGS, allowed_hosts: ['a.com'], allowed_types: ['image/*'] })).toMatchObject({ allowed_hosts: ['a.com'], allowed_content_types: ['image/*'] });
  });
});
