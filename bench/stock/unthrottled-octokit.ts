/**
 * Probot 13's Octokit with its throttling plugin turned off. The plugin paces writes (one POST at
 * a time, a second apart) to stay clear of GitHub's secondary rate limits; left on, the stock side
 * would measure that pacing instead of the shape of the handler.
 */
import adapter from '@probot/adapter-aws-lambda-serverless';

type Options = Record<string, unknown> & { throttle?: Record<string, unknown> };

export function unthrottledOctokit(): typeof adapter.ProbotOctokit {
  return adapter.ProbotOctokit.defaults((options: Options) => ({
    ...options,
    throttle: { ...options.throttle, enabled: false },
  }));
}
