/**
 * The single DynamoDB table's shape, in one place: the store, the embedded store's CreateTable
 * and the CDK table all read it from here.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after. */
  ttlAttribute: 'expiresAt',
  indexes: {
    /** Tasks of one target (repository + number), oldest first. */
    byTarget: { name: 'byTarget', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Tasks of one repository, by creation time. */
    byRepository: { name: 'byRepository', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /** Tasks by status, by last update: the sweeper's index. */
    byStatus: { name: 'byStatus', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    /** Every task by creation time: the status page's and `nightshift tasks`' index. */
    recent: { name: 'recent', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  },
} as const;

export const DEFAULT_TABLE_NAME = 'nightshift';
