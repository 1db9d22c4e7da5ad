/**
 * The issue's one plan comment on GitHub (core/plan.ts says what it holds): found by its marker
 * among the comments an app wrote (a person cannot forge it by quoting the marker), read as it
 * stands (people may have edited it), created once or updated in place. A sibling of
 * RepositoryGateway for this one concern, through its client and its redaction.
 */
import { PLAN_MARKER } from '../plan.js';
import type { RepositoryGateway } from './repository-gateway.js';

export interface PlanComment {
  id: number;
  body: string;
}

export class PlanComments {
  constructor(private readonly gateway: RepositoryGateway) {}

  async find(issueNumber: number): Promise<PlanComment | undefined> {
    const { octokit, ref } = this.gateway;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...ref,
      issue_number: issueNumber,
      per_page: 100,
    });
    const found = comments.find((c) => c.user?.type === 'Bot' && c.body?.includes(PLAN_MARKER));
    return found ? { id: found.id, body: found.body ?? '' } : undefined;
  }

  /** Post the plan: the issue's plan comment updated in place (`revised`), or created when it has none. */
  async post(issueNumber: number, body: (revised: boolean) => string): Promise<PlanComment> {
    const { octokit, ref } = this.gateway;
    const existing = await this.find(issueNumber);
    const text = this.gateway.redact(body(existing !== undefined));
    if (existing) {
      await octokit.rest.issues.updateComment({ ...ref, comment_id: existing.id, body: text });
      return { id: existing.id, body: text };
    }
    const { data } = await octokit.rest.issues.createComment({
      ...ref,
      issue_number: issueNumber,
      body: text,
    });
    return { id: data.id, body: text };
  }
}
