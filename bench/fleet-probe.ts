/**
 * Before a scenario's fleet starts, with the upstream's clock still at tick 0: every token asks the
 * list and the detail of its organization's first job once. Each answer is checked like the fleet's,
 * and compared byte for byte with the pass-through's answer to the same request, so that the
 * scenarios are known to answer the same thing, not merely a plausible thing.
 */
import { request } from 'undici';
import { checkDetail, checkList, type Expectation } from './fleet-check.js';
import { headersOf, requestBody } from './fleet-clients.js';
import type { Tenant } from './fleet-upstream.js';

export interface ProbeOutcome {
  /** `${label} list|detail` → the answer's bytes. */
  answers: Map<string, string>;
  problems: string[];
}

export async function probe(url: string, tenants: readonly Tenant[], expect: Expectation): Promise<ProbeOutcome> {
  const out: ProbeOutcome = { answers: new Map(), problems: [] };
  for (const tenant of tenants) {
    const watched = expect.byOrganization.get(tenant.organizationId)![0]!;
    for (const operation of ['list', 'detail'] as const) {
      const answer = await request(`${url}/graphql`, {
        method: 'POST',
        headers: headersOf(tenant),
        body: requestBody(operation, expect.jobs[watched]!.id),
      });
      const body = await answer.body.text();
      out.answers.set(`${tenant.label} ${operation}`, body);
      const checked =
        answer.statusCode !== 200
          ? { problem: `status ${answer.statusCode}: ${body.slice(0, 200)}` }
          : operation === 'list'
            ? checkList(body, tenant, expect)
            : checkDetail(body, tenant, watched, expect);
      if ('problem' in checked) out.problems.push(`${tenant.label} ${operation}: ${checked.problem}`);
    }
  }
  return out;
}

/** "identical (20 answers)", or the first difference from the reference. */
export function compareProbes(reference: ProbeOutcome | undefined, outcome: ProbeOutcome): string {
  if (outcome.problems.length) return `wrong: ${outcome.problems[0]}`;
  if (!reference) return `the reference (${outcome.answers.size} answers)`;
  for (const [key, body] of outcome.answers) {
    const expected = reference.answers.get(key);
    if (body !== expected)
      return `differs for ${key}: ${body.slice(0, 160)} … against ${String(expected).slice(0, 160)} …`;
  }
  return `identical (${outcome.answers.size} answers)`;
}
