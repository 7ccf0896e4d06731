/**
 * A dispatcher that connects to nothing: it counts what it was asked to send, and fails each at once.
 * For the specs of URLs on public addresses (1.1.1.1, 8.8.8.8) that must never be sent to: had the
 * policy let one through, the count says so, and no packet left for the internet.
 */
import { Dispatcher } from 'undici';

export class NoConnections extends Dispatcher {
  /** `origin + path` of each request handed to it. */
  readonly dispatched: string[] = [];

  override dispatch(options: Dispatcher.DispatchOptions): boolean {
    this.dispatched.push(`${String(options.origin)}${options.path}`);
    throw new Error('this spec connects to nothing');
  }
}
