/** A start-up failure the user can fix, with a message naming the setting. */
export class StartError extends Error {
  override readonly name = 'StartError';
}
