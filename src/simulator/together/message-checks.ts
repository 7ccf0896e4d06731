/**
 * The conversation and preference rules of Together's data format: messages are objects with a
 * `role` (system, user or assistant) and a string `content`; after an optional system message the
 * roles alternate; a training conversation holds at least one assistant message; an optional
 * `weight` is 0 or 1 and decides whether that assistant message is trained on. A preference row's
 * `input.messages` is a conversation that does not end with the assistant, and each of
 * `preferred_output` and `non_preferred_output` is a list of exactly one assistant message.
 */
import { FileFormatError, type RowPiece, type Sample } from './samples.js';

const ROLES = new Set(['system', 'user', 'assistant']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkMessage(message: unknown, previousRole: string | null, line: number): { role: string; piece: RowPiece } {
  if (!isObject(message)) throw new FileFormatError(`Invalid format on line ${line}: every message must be an object.`);
  for (const key of ['role', 'content'] as const) {
    if (!(key in message)) throw new FileFormatError(`Missing required key "${key}" in a message on line ${line}.`);
  }
  const { role, content, weight } = message;
  if (typeof role !== 'string' || !ROLES.has(role))
    throw new FileFormatError(
      `Invalid role ${JSON.stringify(role)} on line ${line}: possible roles are system, user, assistant.`,
    );
  if (typeof content !== 'string')
    throw new FileFormatError(`The "content" of a message on line ${line} is not a string.`);
  if (role === previousRole)
    throw new FileFormatError(
      `Invalid role turns on line ${line}: after the optional system message, roles must alternate between user and assistant.`,
    );
  if (weight !== undefined && weight !== 0 && weight !== 1)
    throw new FileFormatError(`Weight must be 0 or 1 on line ${line}.`);
  return { role, piece: { text: content, trained: role === 'assistant' && weight !== 0 } };
}

export function checkMessages(messages: unknown, line: number, requireAssistant: boolean): Sample {
  if (!Array.isArray(messages)) throw new FileFormatError(`Invalid format on line ${line}: "messages" must be a list.`);
  if (messages.length === 0) throw new FileFormatError(`Invalid format on line ${line}: "messages" must not be empty.`);
  let previous: string | null = null;
  const pieces: RowPiece[] = [];
  for (const message of messages) {
    const { role, piece } = checkMessage(message, previous, line);
    previous = role;
    pieces.push(piece);
  }
  if (requireAssistant && !pieces.some((_, i) => (messages[i] as { role: string }).role === 'assistant')) {
    throw new FileFormatError(`Invalid format on line ${line}: the conversation needs at least one assistant message.`);
  }
  return { pieces, messages: messages.length };
}

function checkOutput(
  row: Record<string, unknown>,
  key: 'preferred_output' | 'non_preferred_output',
  line: number,
): RowPiece {
  const output = row[key];
  if (!Array.isArray(output) || output.length !== 1)
    throw new FileFormatError(`"${key}" must be a list of exactly one message on line ${line}.`);
  const [message] = output as unknown[];
  if (!isObject(message) || message['role'] !== 'assistant')
    throw new FileFormatError(`The message of "${key}" must have the assistant role on line ${line}.`);
  if (typeof message['content'] !== 'string')
    throw new FileFormatError(`The "content" of "${key}" must be a string on line ${line}.`);
  return { text: message['content'], trained: true };
}

export function checkPreference(row: Record<string, unknown>, line: number): Sample {
  const input = row['input'];
  if (!isObject(input) || !('messages' in input))
    throw new FileFormatError(`"input" must be an object with a "messages" list on line ${line}.`);
  const context = checkMessages(input['messages'], line, false);
  const messages = input['messages'] as Array<{ role: string }>;
  if (messages.at(-1)?.role === 'assistant')
    throw new FileFormatError(`The input conversation must not end with an assistant message on line ${line}.`);
  const prompt = context.pieces.map((p) => ({ ...p, trained: false }));
  return {
    pieces: [...prompt, checkOutput(row, 'preferred_output', line), checkOutput(row, 'non_preferred_output', line)],
    messages: context.messages + 2,
  };
}
