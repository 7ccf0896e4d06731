/** The header's provider switch, shown where the gateway serves more than one provider. */
import { PROVIDER_LABELS } from './provider-labels';
import type { ProviderName } from './provider';
import { nameOf, type ProviderInfo } from './use-providers';

export function ProviderSwitch(props: {
  providers: readonly ProviderInfo[];
  current: ProviderInfo | null;
  onChange(provider: ProviderName): void;
}) {
  if (props.providers.length < 2 || !props.current) return null;
  return (
    <label class="provider-switch">
      Provider
      <select value={nameOf(props.current)} onChange={(e) => props.onChange(e.currentTarget.value as ProviderName)}>
        {props.providers.map((provider) => (
          <option key={provider.name} value={nameOf(provider)}>
            {PROVIDER_LABELS[nameOf(provider)]}
          </option>
        ))}
      </select>
    </label>
  );
}
