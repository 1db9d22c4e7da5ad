import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../../core/store/table-definition.js';
import { TABLE } from '../../../core/store/table.js';

describe('createTableInput', () => {
  const input = createTableInput('nightshift-test');

  it('is on-demand, keyed by pk and sk', () => {
    expect(input).toMatchObject({
      TableName: 'nightshift-test',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(input).not.toHaveProperty('ProvisionedThroughput');
  });

  it('has the four indexes of TABLE, projecting everything', () => {
    expect(input.GlobalSecondaryIndexes).toEqual(
      Object.values(TABLE.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.partitionKey.replace('pk', 'sk'), KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('defines every key attribute once, as a string', () => {
    const names = input.AttributeDefinitions?.map((d) => d.AttributeName) ?? [];
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(
      ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk'].sort(),
    );
    expect(input.AttributeDefinitions?.every((d) => d.AttributeType === 'S')).toBe(true);
  });
});
