// Text forms shown to people: bytes, speeds, durations, money, keys. One place so every screen agrees.
import { formatBtt, type Units } from '../../protocol/money.ts';

const KIB_PER_GIB = 1024n * 1024n;
const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatSpeed(bytes_per_s: number): string {
  return `${formatBytes(bytes_per_s)}/s`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d`;
}

/** "1,234.5 BTT" with grouping; amounts stay exact (no float on the way). */
export function formatMoney(units: Units): string {
  const text = formatBtt(units);
  const [whole = '0', fraction] = text.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${units < 0n ? '−' : ''}${grouped}${fraction ? `.${fraction}` : ''} BTT`;
}

export function formatPrice(units_per_kib: Units | null): string {
  if (units_per_kib === null) return '—';
  // Per GiB reads better than per KiB for people; exact, since a GiB is a whole number of KiB.
  return `${formatBtt(units_per_kib * KIB_PER_GIB)} BTT/GB`;
}

export function shortKey(text: string, keep = 6): string {
  return text.length <= keep * 2 + 1 ? text : `${text.slice(0, keep)}…${text.slice(-keep)}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(fraction >= 1 || fraction === 0 ? 0 : 1)}%`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
