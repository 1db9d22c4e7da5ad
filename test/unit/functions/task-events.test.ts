import { describe, expect, it } from 'vitest';
import { readStopEvent } from '../../../functions/task-events/handler.js';

const stopped = {
  'detail-type': 'ECS Task State Change',
  detail: {
    lastStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'agent', exitCode: 137 }],
    overrides: { containerOverrides: [{ environment: [{ name: 'TASK_ID', value: 'T1' }] }] },
  },
};

describe('readStopEvent', () => {
  it('reads the task id and a reason naming the exit code (137: killed)', () => {
    const stop = readStopEvent(stopped);
    expect(stop?.taskId).toBe('T1');
    expect(stop?.reason).toContain('exit code 137');
    expect(stop?.reason).toContain('out of memory');
  });

  it('ignores events that are not STOPPED or carry no task id', () => {
    expect(readStopEvent({ detail: { ...stopped.detail, lastStatus: 'RUNNING' } })).toBeUndefined();
    expect(readStopEvent({ detail: { lastStatus: 'STOPPED' } })).toBeUndefined();
  });
});
