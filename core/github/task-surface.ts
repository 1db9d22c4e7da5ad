/**
 * How a task shows on GitHub: the one owner of the choice "check run or tracking comment" and of
 * the fields that record it (`checkRunId`, `trackingCommentId`, `headSha`).
 *
 * A task on a pull request shows as the `nightshift` check run on the head it works on. An issue
 * has no commit until Nightshift pushes one, so it shows as a tracking comment until then, and as
 * a check run (with the comment kept up to date) once it has a head. Every operation returns the
 * fields it changed; the caller writes them with its own guard (a transition in dispatch, the
 * lease-checked record in the agent task), never choosing them itself.
 */
import type { Progress } from '../progress.js';
import { finalOutput, progressOutput, queuedOutput, trackingComment, type Outcome } from '../report.js';
import type { Task } from '../task.js';
import { triggerKind } from '../trigger-kinds/index.js';
import { endPullRequest } from './end-pull-request.js';
import type { RepositoryGateway } from './repository-gateway.js';

/** What the surface owns on the task record. */
export type SurfaceFields = Partial<Pick<Task, 'checkRunId' | 'trackingCommentId' | 'headSha'>>;

type Output = { title: string; summary: string; text?: string };

export class TaskSurface {
  constructor(private readonly github: RepositoryGateway) {}

  /**
   * The task is on its way (or waits, saying why): the queued check run on the pull request's
   * head, or the tracking comment on an issue. The 👀 on the comment that asked is `acknowledged`,
   * which dispatch sends after the runner started: writes are paced, and the runner needs the
   * check run's id, not the reaction.
   */
  async queued(task: Task, waitingReason?: string): Promise<SurfaceFields> {
    const output = queuedOutput(task, waitingReason);
    if (task.target.kind === 'pull_request' && task.headSha) {
      if (task.checkRunId) {
        await this.github.updateCheckRun(task.checkRunId, 'queued', output);
        return { checkRunId: task.checkRunId, headSha: task.headSha };
      }
      const checkRunId = await this.github.createCheckRun(task, task.headSha, 'queued', output);
      return { checkRunId, headSha: task.headSha };
    }
    return { trackingCommentId: await this.comment(task, output) };
  }

  /** 👀 on the comment that asked for the task, if a comment did. */
  async acknowledged(task: Task): Promise<void> {
    const acknowledgeIn = triggerKind(task.trigger.kind).acknowledgeIn;
    if (task.trigger.commentId && acknowledgeIn) {
      await this.github.reactToComment(acknowledgeIn, task.trigger.commentId, 'eyes');
    }
  }

  /** Why a queued task has not started yet, where it shows. */
  async waiting(task: Task, reason: string): Promise<void> {
    await this.show(task, 'queued', queuedOutput(task, reason));
  }

  /** Live progress of a running task, where it shows. */
  async progress(task: Task, progress: Progress): Promise<void> {
    await this.show(task, 'in_progress', progressOutput(task, progress));
  }

  /**
   * The task works on `sha` now: its check run there is in progress. The newest head carries the
   * newest task's check run, so after a push the old run is concluded (pointing at the new one) and
   * a new one opened on the new head. It shows `progress`, where the task is now, so its title
   * never steps back. An issue's tracking comment can say more (`comment`).
   */
  async workingOn(task: Task, sha: string, progress: Progress, comment?: string): Promise<SurfaceFields> {
    const output = progressOutput(task, progress);
    let fields: SurfaceFields;
    if (task.checkRunId && task.headSha === sha) {
      await this.github.updateCheckRun(task.checkRunId, 'in_progress', output);
      fields = {};
    } else {
      if (task.checkRunId) await this.continuedOn(task.checkRunId, sha);
      fields = {
        checkRunId: await this.github.createCheckRun(task, sha, 'in_progress', output),
        headSha: sha,
      };
    }
    if (comment && task.trackingCommentId) {
      await this.github.upsertComment(task.target.number, task, 'tracking', comment, task.trackingCommentId);
    }
    return fields;
  }

  /**
   * A queued check run on `headSha` for a task that has none yet: a task refused before it started
   * (an invalid config) still shows its reason on the pull request's head.
   */
  async openCheckRun(task: Task, headSha: string): Promise<SurfaceFields> {
    const withHead = { ...task, headSha };
    return {
      checkRunId: await this.github.createCheckRun(withHead, headSha, 'queued', queuedOutput(withHead)),
      headSha,
    };
  }

  /**
   * The end of a task that pushed a commit its check run is not on (`outcome.commitSha`): the
   * newest head carries the result, so the check run there is created already concluded, one
   * write where "create, then conclude" would be two. Called before the end is recorded, so the
   * new check run is recorded with it; returns nothing when the check run need not move.
   */
  async concludedOnPush(task: Task, outcome: Outcome): Promise<SurfaceFields> {
    const sha = outcome.commitSha;
    if (!sha || (task.checkRunId && task.headSha === sha)) return {};
    // The report is the new check run's own: the task has a check run there, so its Retry works.
    const report = finalOutput({ ...task, checkRunId: task.checkRunId ?? 0, headSha: sha }, outcome);
    return { checkRunId: await this.github.createCheckRun(task, sha, 'completed', report), headSha: sha };
  }

  /**
   * The end: the check run concluded (with Retry where it failed and the button works), the
   * tracking comment updated, and the draft pull request of an issue task that pushed nothing
   * closed or explained (end-pull-request.ts). `movedFrom` is the task as it was before `concludedOnPush` moved its check run: its old run
   * is concluded as continued now, after the result is on the new head.
   */
  async concluded(task: Task, outcome: Outcome, movedFrom?: Task): Promise<void> {
    const report = finalOutput(task, outcome);
    if (movedFrom) {
      if (movedFrom.checkRunId && task.headSha) await this.continuedOn(movedFrom.checkRunId, task.headSha);
    } else if (task.checkRunId) {
      await this.github.concludeCheckRun(task.checkRunId, report);
    }
    if (task.trackingCommentId || (task.target.kind === 'issue' && !task.checkRunId)) {
      const said = finalOutput(task, outcome, 'comment');
      await this.comment(task, { title: said.title, summary: said.summary });
    }
    await endPullRequest(this.github, task, outcome);
  }

  private continuedOn(checkRunId: number, sha: string): Promise<void> {
    return this.github.concludeCheckRun(checkRunId, {
      conclusion: 'neutral',
      title: `Continued on ${sha.slice(0, 7)}`,
      summary: `Nightshift pushed ${sha.slice(0, 7)}; this task's result is on that commit's check run.`,
    });
  }

  /**
   * Say the end once more where progress shows (the check run, else the tracking comment): a
   * progress update that landed after the end may have reopened it.
   */
  async concludedAgain(task: Task, outcome: Outcome): Promise<void> {
    const report = finalOutput(task, outcome);
    if (task.checkRunId) await this.github.concludeCheckRun(task.checkRunId, report);
    else if (task.trackingCommentId) {
      const said = finalOutput(task, outcome, 'comment');
      await this.comment(task, { title: said.title, summary: said.summary });
    }
  }

  private async show(task: Task, status: 'queued' | 'in_progress', output: Output): Promise<void> {
    if (task.checkRunId) await this.github.updateCheckRun(task.checkRunId, status, output);
    else if (task.trackingCommentId) await this.comment(task, output);
  }

  private comment(task: Task, output: Output): Promise<number> {
    return this.github.upsertComment(
      task.target.number,
      task,
      'tracking',
      trackingComment(task, output),
      task.trackingCommentId,
    );
  }
}
