/** What a running task reports about itself: shown on the check run, the CLI and the status page. */
import type { Usage } from './task.js';

export type Phase = 'queued' | 'preparing' | 'setup' | 'working' | 'verifying' | 'publishing' | 'done';

export interface Progress {
  phase: Phase;
  turn: number;
  maxTurns?: number;
  lastActions: string[];
  usage: Usage;
  /** The session log so far, as the check run's `text` shows it (core/session-log/). */
  log?: string;
}
