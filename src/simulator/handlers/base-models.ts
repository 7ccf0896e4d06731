import type { Handler } from '../api-context.js';
import { json } from '../reply.js';
import { wireBaseModel } from '../wire.js';

/** `GET /base-models`: the same eight models for every organization. */
export const listBaseModels: Handler = ({ deps }) => json(200, { data: deps.models.map(wireBaseModel) });
