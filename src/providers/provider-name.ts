/**
 * The fine-tuning providers the gateway can put a request on, in the order a gateway with both enabled
 * prefers them (a request that names none goes to the first enabled one).
 */
export const PROVIDER_NAMES = ['nscale', 'together'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];
