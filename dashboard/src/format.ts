/** How the dashboard writes times, durations, money and statuses. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatLoss(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4);
}

/**
 * An amount in its currency, with at least two significant digits below one unit: a job priced at
 * $0.0055 reads "$0.0055", never "$0.01" (nor a cheap one "$0.00"); $0.123 reads "$0.12", $12.5 "$12.50".
 */
export function formatMoney(amount: number, currency: string): string {
  const usual = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const cents = usual.resolvedOptions().maximumFractionDigits ?? 2;
  const size = Math.abs(amount);
  if (size === 0 || size >= 1) return usual.format(amount);
  const digits = Math.min(20, Math.max(cents, Math.ceil(-Math.log10(size)) + 1));
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency,
    minimumFractionDigits: cents,
    maximumFractionDigits: digits,
  }).format(amount);
}

export const STATUSES = ['QUEUED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

export function statusLabel(status: string): string {
  return status.charAt(0) + status.slice(1).toLowerCase();
}
