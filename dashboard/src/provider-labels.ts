/** How the dashboard names each provider to its user (the header's Provider switch, its messages). */
export const PROVIDER_LABELS = { nscale: 'Nscale', together: 'Together AI' } as const;

/** The label of a provider as the gateway names it (`together`, `TOGETHER`), or the name as given when it is none known. */
export function providerLabel(name: string): string {
  const lower = name.toLowerCase();
  return lower === 'nscale' || lower === 'together' ? PROVIDER_LABELS[lower] : name;
}
