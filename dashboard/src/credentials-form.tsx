/**
 * Asks for a service token, and an organization id where the provider has them (Nscale; not Together),
 * where the gateway has no default credentials, or where the credentials kept in this tab were
 * refused: then it also offers to forget them, so that the gateway's own defaults apply again where it
 * has any (its embedded simulator's demo tenant), instead of the refused ones being sent for good.
 */
import { useState } from 'preact/hooks';
import type { Credentials } from './credentials';

export function CredentialsForm(props: {
  reason: string | null;
  /** What the provider calls its credential (Together: "Together API key"). */
  tokenLabel: string;
  organization: boolean;
  onSubmit(credentials: Credentials): void;
  /** Forgets the credentials kept in this tab (null: none are kept). */
  onForget: (() => void) | null;
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
        {props.tokenLabel}
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
      <div class="actions">
        <button type="submit">Continue</button>
        {props.onForget ? (
          <button type="button" class="secondary" onClick={props.onForget}>
            Use the gateway's defaults
          </button>
        ) : null}
      </div>
      {props.onForget ? (
        <p class="hint">
          Credentials are kept in this tab. "Use the gateway's defaults" forgets them: the gateway's own credentials
          apply where it has any, and where it has none it asks again.
        </p>
      ) : null}
    </form>
  );
}
