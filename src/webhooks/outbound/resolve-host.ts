/**
 * Name resolution as the webhook checks see it: every address of a host name, as `dns.lookup` with
 * `all: true` answers (the resolver the operating system and Node's sockets use, /etc/hosts
 * included). Injected in tests, so that a public-looking name can resolve to 127.0.0.1.
 */
import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Every address `hostname` resolves to; rejects (ENOTFOUND, …) when it resolves to none. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolveHost: ResolveHost = (hostname) => lookup(hostname, { all: true });
