/**
 * What a page says of its live updates, from the state of the one WebSocket (api.ts): "live" only
 * while it is open, "Reconnecting…" from its loss (a gateway restart) until it is back, and, once the
 * retries ran out, that it was lost, with a button to start again.
 */
import { useEffect, useState } from 'preact/hooks';
import { currentLiveState, watchLiveState, type LiveState } from './api';

export function useLiveState(): LiveState {
  const [state, setState] = useState(currentLiveState);
  useEffect(() => {
    const stop = watchLiveState(setState);
    // A change between the render and this effect would not have been heard.
    if (currentLiveState() !== state) setState(currentLiveState());
    return stop;
  }, [state]);
  return state;
}

/** A short word for a list's status line ("3 jobs · live"). */
export function liveWord(state: LiveState): string {
  switch (state) {
    case 'live':
      return 'live';
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return 'Reconnecting… (as last seen)';
    case 'lost':
      return 'not live: the connection to the gateway was lost';
  }
}

/** Shown once the connection was lost for good: `onReconnect` subscribes again (api.ts then opens a new WebSocket). */
export function ReconnectButton({ onReconnect }: { onReconnect(): void }) {
  return (
    <button type="button" class="secondary" onClick={onReconnect}>
      Reconnect
    </button>
  );
}
