/**
 * A DataLoader over an upstream with no batch endpoints: a batch is the distinct keys of one tick,
 * fetched in parallel. DataLoader would keep a failed key's rejection for the loader's life (a
 * subscription's whole life): failed keys are forgotten, so only successes are reused.
 */
import DataLoader from 'dataloader';

export function perKeyLoader<V>(get: (id: string) => Promise<V>): DataLoader<string, V> {
  const loader: DataLoader<string, V> = new DataLoader<string, V>((ids) =>
    Promise.all(
      ids.map((id) =>
        get(id).catch((error: unknown) => {
          loader.clear(id);
          return toError(error);
        }),
      ),
    ),
  );
  return loader;
}

/** DataLoader reads a batch's Error values as failures: anything thrown is made one. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Starts `loader.load(key)` for a field further down the same request to read. A failure is kept for
 * that read: `perKeyLoader` forgets failed keys, and the read would otherwise ask the upstream again.
 */
export function loadAhead<V>(loader: DataLoader<string, V>, key: string): void {
  loader.load(key).catch((error: unknown) => loader.prime(key, toError(error)));
}
