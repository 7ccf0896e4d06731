/**
 * The flat query of the throughput benchmark and the bytes a correct answer has, built straight
 * from the upstream's page of jobs: what the pass-through returns, what the ceiling returns, and
 * what every gateway answer to the flat query is compared with.
 */

export const FLAT_QUERY = 'query Flat { jobs(first: 20) { totalCount edges { node { id name status createdAt } } } }';

/** Path of that page below the organization, as the gateway asks for it. */
export const PAGE_PATH = '/jobs?limit=20&offset=0';

interface UpstreamPage {
  data: Array<{ id: string; name: string; status: string; created_at: string }>;
  total: number;
}

/** The GraphQL response to FLAT_QUERY for this upstream page (`status` as the enum, dates in UTC ISO-8601). */
export function flatPageBody(upstreamPage: string): string {
  const page = JSON.parse(upstreamPage) as UpstreamPage;
  return JSON.stringify({
    data: {
      jobs: {
        totalCount: page.total,
        edges: page.data.map((j) => ({
          node: {
            id: j.id,
            name: j.name,
            status: j.status.toUpperCase(),
            createdAt: new Date(j.created_at).toISOString(),
          },
        })),
      },
    },
  });
}
