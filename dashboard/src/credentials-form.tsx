/**
 * Asks for a service token, and an organization id where the provider has them (Nscale; not Together),
 * where the gateway has no default credentials.
 */
import { useState } from 'preact/hooks';
import type { Credentials } from './credentials';

export function CredentialsForm(props: {
  reason: string | null;
  organization: boolean;
  onSubmit(credentials: Credentials): void;
}) {
  const [token, setToken] = useState('');
  const [organizationId, setOrganizationId] = useState('');
  return (
    <form
      class="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit({ token: token.trim(), organizationId: props.organization ? organizationId.trim() : '' });
      }}
    >
      <h1>Sign in</h1>
      <p>
        This gateway needs your fine-tuning service credentials. They stay in this browser tab only (sessionStorage) and
        are sent to this gateway alone.
      </p>
      {props.reason ? (
        <p class="error" role="alert">
          {props.reason}
        </p>
      ) : null}
      <label>
        Service token
        <input
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </label>
      {props.organization ? (
        <label>
          Organization id
          <input required value={organizationId} onInput={(e) => setOrganizationId(e.currentTarget.value)} />
        </label>
      ) : null}
      <button type="submit">Continue</button>
    </form>
  );
}
