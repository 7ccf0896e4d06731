import { builder } from './builder.js';

builder.subscriptionType({ description: 'Live updates, pushed as jobs change (graphql-ws over WebSocket, or SSE).' });
