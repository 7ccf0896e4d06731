/**
 * A signing secret, shown the one time the gateway gives it (after registering an endpoint or
 * rotating its secret), with a copy button. Dismissing it drops it: the page keeps no copy.
 */
import { useState } from 'preact/hooks';

export interface ShownSecret {
  url: string;
  secret: string;
  rotated: boolean;
}

export function SecretOnce(props: ShownSecret & { onDone(): void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section class="card secret" aria-labelledby="secret-title" data-testid="secret-once">
      <h2 id="secret-title">{props.rotated ? 'New signing secret' : 'Signing secret'}</h2>
      <p>
        For <code>{props.url}</code>. Copy it now: it is shown this once and cannot be read again. Verify each
        delivery&apos;s <code>webhook-signature</code> with it (the <code>standardwebhooks</code> package does).
        {props.rotated ? ' The previous secret keeps signing beside it for a grace period.' : ''}
      </p>
      <p>
        <code class="secret-value" data-testid="signing-secret">
          {props.secret}
        </code>
      </p>
      <div class="actions">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          Done
        </button>
        <span role="status">
          {copied === 'yes' ? 'Copied to the clipboard.' : ''}
          {copied === 'failed' ? 'The browser refused the clipboard: select the secret and copy it.' : ''}
        </span>
      </div>
    </section>
  );
}
