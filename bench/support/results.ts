/** The shape of results.json: every section's raw figures, the targets and the machine. */
import type { CacheShareResult } from '../agent/cache-share.js';
import type { OverheadResult } from '../agent/overhead.js';
import type { CloneTimeResult } from '../clone/clone-time.js';
import type { TaskOverheadResult } from '../task/overhead.js';
import type { WarmSetupResult } from '../setup/setups.js';
import type { AnswerTimeResult } from '../webhook/answer-time.js';
import type { ColdStartResult } from '../webhook/cold-start.js';
import type { MachineFacts } from './machine.js';

export interface Sections {
  answerTime?: AnswerTimeResult;
  coldStart?: ColdStartResult;
  agentOverhead?: OverheadResult[];
  cacheShare?: CacheShareResult;
  clone?: CloneTimeResult;
  taskOverhead?: TaskOverheadResult;
  setupCache?: WarmSetupResult;
}

export interface TargetResult {
  measurement: string;
  target: string;
  measured: string;
  /** null when the measurement did not run. */
  met: boolean | null;
  /** Why it was missed and what would reach it (or what else to know). */
  note?: string;
}

export interface BenchResults {
  generatedAt: string;
  durationS: number;
  machine: MachineFacts;
  sections: Sections;
  failures: { section: string; error: string }[];
  targets: TargetResult[];
}
