/**
 * createContext({ listeners }): listeners added before the context starts hear the application
 * start and the workers join, which sc.addListener, called on a started context, cannot.
 */
import { createContext, type FlintContext, type SchedulerEvent } from '@flint/rdd';
import { afterEach, describe, expect, it } from 'vitest';
import { expectFlintError, failure } from './support.js';

describe('createContext({ listeners })', () => {
  let sc: FlintContext | undefined;

  afterEach(async () => {
    await sc?.stop();
    sc = undefined;
  });

  it('hears everything from the application start on, the workers joining included', async () => {
    const heard: SchedulerEvent[] = [];
    sc = await createContext({
      workers: 2,
      ui: false,
      progress: false,
      listeners: [(event) => heard.push(event)],
    });
    const types = heard.map((event) => event.type);
    expect(types[0]).toBe('applicationStart');
    expect(types.filter((type) => type === 'workerAdded')).toHaveLength(2);

    expect(await sc.parallelize([1, 2, 3, 4], 2).count()).toBe(4);
    expect(heard.map((event) => event.type)).toContain('jobEnd');
    await sc.stop();
    expect(heard.at(-1)?.type).toBe('applicationEnd');
  });

  it('must be an array of functions', async () => {
    expectFlintError(
      await failure(() => createContext({ listeners: [42] as never })),
      'FLINT_ARGUMENT',
      /createContext\(\{ listeners \}\) must be an array of functions/,
    );
  });
});
