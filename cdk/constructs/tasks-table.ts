/**
 * The one DynamoDB table, shaped by `core/store/table.ts` (the same description the store and the
 * embedded store's CreateTable use): string keys, four GSIs projecting everything, TTL on the
 * store's expiry attribute. On-demand, point-in-time recovery, and kept when the stack goes.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE } from '../../core/store/table.js';

export interface TasksTableProps {
  tableName: string;
}

export class TasksTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: TasksTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      // Task history outlives the stack: deleting the stack leaves the table (and a redeploy with
      // the same name then needs the old table deleted or imported; see the README).
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of Object.values(TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
  }

  /** The ARN of each index, by name: IAM statements name them one by one, no wildcard. */
  indexArns(): string[] {
    return Object.values(TABLE.indexes).map((index) => `${this.table.tableArn}/index/${index.name}`);
  }
}
