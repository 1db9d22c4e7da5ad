// GitHub Actions job logs, seeded by tests with `fake.setJobLog`. The logs route answers 200
// text/plain directly (GitHub answers 302 to a blob URL; Octokit follows either the same way).
import { json, notFound } from '../http.js';
import { repoKey } from '../state.js';
import type { JobRecord } from '../types.js';
import type { Handlers, RouteContext } from './types.js';
import { intParam, repoOf } from './util.js';

function jobOf(ctx: RouteContext): JobRecord {
  const job = ctx.fake.state.jobs.get(intParam(ctx, 'job_id'));
  if (!job || job.repo !== repoKey(repoOf(ctx))) throw notFound(ctx.op.documentationUrl);
  return job;
}

export const actionRoutes: Handlers = {
  'actions/download-job-logs-for-workflow-run': (ctx) => ({
    status: 200,
    raw: jobOf(ctx).log,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  }),

  'actions/get-job-for-workflow-run': (ctx) => {
    const job = jobOf(ctx);
    const repo = repoOf(ctx);
    return json(200, {
      id: job.id,
      run_id: job.runId,
      run_url: `${ctx.fake.url}/repos/${repo.fullName}/actions/runs/${job.runId}`,
      node_id: Buffer.from(`08:Job${job.id}`).toString('base64'),
      head_sha: job.headSha,
      url: `${ctx.fake.url}/repos/${repo.fullName}/actions/jobs/${job.id}`,
      html_url: `${repo.htmlUrl}/actions/runs/${job.runId}/job/${job.id}`,
      status: job.status,
      conclusion: job.conclusion,
      name: job.name,
      steps: [],
      labels: ['ubuntu-latest'],
      workflow_name: 'CI',
      head_branch: null,
    });
  },
};
