/**
 * The Webhooks page's operations, typed from schema.graphql like the rest (operations.ts). Each costs
 * the upstream one small call (the gateway shows the caller's credentials to it before reading or
 * changing an endpoint), so the page reads on request, never on a timer.
 */
import { graphql } from '../gql';

export const WebhookEndpoints = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      ...WebhookEndpointParts
    }
  }

  fragment WebhookEndpointParts on WebhookEndpoint {
    id
    url
    events
    description
    enabled
    state
    stateReason
    createdAt
    updatedAt
    previousSecretExpiresAt
  }
`);

export const CreateWebhookEndpoint = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      endpoint {
        ...WebhookEndpointParts
      }
      signingSecret
    }
  }
`);

export const UpdateWebhookEndpoint = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      ...WebhookEndpointParts
    }
  }
`);

export const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      endpoint {
        ...WebhookEndpointParts
      }
      signingSecret
    }
  }
`);

export const DeleteWebhookEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id) {
      id
    }
  }
`);

export const WebhookDeliveries = graphql(`
  query WebhookDeliveries($endpoint: ID!, $first: Int!, $after: String) {
    webhookDeliveries(endpoint: $endpoint, first: $first, after: $after) {
      edges {
        node {
          ...WebhookDeliveryParts
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }

  fragment WebhookDeliveryParts on WebhookDelivery {
    id
    eventType
    jobId
    state
    attemptCount
    nextAttemptAt
    lastResponseCode
    createdAt
    attempts {
      number
      startedAt
      durationMs
      responseCode
      error
    }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($delivery: ID!) {
    redeliverWebhook(delivery: $delivery) {
      ...WebhookDeliveryParts
    }
  }
`);
