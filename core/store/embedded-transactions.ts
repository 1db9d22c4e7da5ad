/**
 * TransactWriteItems for the embedded store. dynalite (v4) implements every operation the store
 * uses except transactions, so the embedded server answers `TransactWriteItems` itself, built from
 * dynalite's own single-item operations on the wire format:
 *
 * 1. holding the locks of the transaction's items (item-locks.ts; the server's single-item
 *    requests on those items wait meanwhile, other items are not held up), read each item and
 *    evaluate each condition with dynalite's evaluator, through a write that changes nothing: a
 *    conditional Put of the item as it is, or a conditional Delete of an absent item;
 * 2. if any condition failed, answer `TransactionCanceledException` with one `CancellationReasons`
 *    entry per action, in order, as DynamoDB does;
 * 3. otherwise apply the actions one by one, and if one is refused (a malformed update, say) put
 *    back what was already written, so the transaction takes effect entirely or not at all.
 *
 * By default a transaction waits for one in flight on the same item. DynamoDB instead cancels it
 * (reason `TransactionConflict`), which callers must retry; the embedded server can behave that
 * way too (its `transactionConflicts: 'cancel'`).
 */
/** An item or key in DynamoDB's JSON wire format (`{ "pk": { "S": "…" } }`). */
export type WireItem = Record<string, unknown>;

export interface WireResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one operation (e.g. `GetItem`) to the underlying server, in DynamoDB's JSON protocol. */
export type WireCall = (operation: string, input: Record<string, unknown>) => Promise<WireResponse>;

type ActionKind = 'ConditionCheck' | 'Put' | 'Update' | 'Delete';
const ACTION_KINDS: readonly ActionKind[] = ['ConditionCheck', 'Put', 'Update', 'Delete'];

interface Action {
  kind: ActionKind;
  input: Record<string, unknown>;
  tableName: string;
  key: WireItem;
  condition?: string;
}

const DYNAMO = 'com.amazonaws.dynamodb.v20120810#';

export function wireError(type: string, message: string, extra: Record<string, unknown> = {}): WireResponse {
  const prefix = type === 'ValidationException' ? 'com.amazon.coral.validate#' : DYNAMO;
  return { status: 400, body: { __type: prefix + type, message, ...extra } };
}

const isError = (response: WireResponse, type: string): boolean =>
  response.status >= 400 && String(response.body.__type ?? '').endsWith(`#${type}`);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The names and values an expression refers to, so a condition can be sent on its own. */
function onlyReferenced(
  expression: string,
  input: Record<string, unknown>,
): { ExpressionAttributeNames?: unknown; ExpressionAttributeValues?: unknown } {
  const pick = (map: unknown, tokens: Set<string>) => {
    if (!isObject(map)) return undefined;
    const picked = Object.fromEntries(Object.entries(map).filter(([token]) => tokens.has(token)));
    return Object.keys(picked).length > 0 ? picked : undefined;
  };
  const names = pick(input.ExpressionAttributeNames, new Set(expression.match(/#[A-Za-z0-9_]+/g) ?? []));
  const values = pick(input.ExpressionAttributeValues, new Set(expression.match(/:[A-Za-z0-9_]+/g) ?? []));
  return {
    ...(names ? { ExpressionAttributeNames: names } : {}),
    ...(values ? { ExpressionAttributeValues: values } : {}),
  };
}

function parseActions(request: unknown): Action[] | WireResponse {
  if (!isObject(request) || !Array.isArray(request.TransactItems)) {
    return wireError('ValidationException', 'TransactItems is required');
  }
  const items = request.TransactItems as unknown[];
  if (items.length < 1 || items.length > 100) {
    return wireError(
      'ValidationException',
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and 100`,
    );
  }
  const actions: Action[] = [];
  for (const item of items) {
    const kinds = isObject(item) ? ACTION_KINDS.filter((kind) => item[kind] !== undefined) : [];
    const kind = kinds[0];
    if (!isObject(item) || kinds.length !== 1 || kind === undefined) {
      return wireError(
        'ValidationException',
        'TransactItems can only contain one of Check, Put, Update or Delete',
      );
    }
    const input = item[kind];
    if (!isObject(input) || typeof input.TableName !== 'string') {
      return wireError('ValidationException', `${kind}: TableName is required`);
    }
    const key = kind === 'Put' ? input.Item : input.Key;
    if (!isObject(key)) {
      return wireError('ValidationException', `${kind}: ${kind === 'Put' ? 'Item' : 'Key'} is required`);
    }
    const condition = typeof input.ConditionExpression === 'string' ? input.ConditionExpression : undefined;
    if (kind === 'ConditionCheck' && condition === undefined) {
      return wireError('ValidationException', 'ConditionCheck: ConditionExpression is required');
    }
    if (kind === 'Update' && typeof input.UpdateExpression !== 'string') {
      return wireError('ValidationException', 'Update: UpdateExpression is required');
    }
    actions.push({ kind, input, tableName: input.TableName, key, ...(condition ? { condition } : {}) });
  }
  return actions;
}

/** A validated request: its actions, each with the key of the item it touches. */
export interface PreparedTransaction {
  actions: Action[];
  /** One identity (table and key) per action, in order. */
  items: string[];
}

/** A table's key attribute names in key-schema order (hash, then range), or DescribeTable's error. */
export type KeySchemaOf = (tableName: string) => Promise<string[] | WireResponse>;

/**
 * Reads each table's key schema with DescribeTable once and remembers it (a table's key schema
 * never changes; `forget` drops what is known when tables are created or deleted).
 */
export function keySchemaCache(call: WireCall): { keySchemaOf: KeySchemaOf; forget(): void } {
  const known = new Map<string, string[]>();
  return {
    keySchemaOf: async (tableName) => {
      const cached = known.get(tableName);
      if (cached) return cached;
      const described = await call('DescribeTable', { TableName: tableName });
      if (described.status !== 200) return described;
      const table = described.body.Table as { KeySchema?: { AttributeName: string }[] } | undefined;
      const names = (table?.KeySchema ?? []).map((element) => element.AttributeName);
      known.set(tableName, names);
      return names;
    },
    forget: () => known.clear(),
  };
}

/**
 * An item's identity: its table and key values in key-schema order. Transactions and single-item
 * requests lock items by it, so it must be computed the same way for both.
 */
export const itemIdentity = (tableName: string, keyNames: readonly string[], key: WireItem): string =>
  JSON.stringify([tableName, keyNames.map((name) => key[name])]);

/**
 * Validates a TransactWriteItems request and resolves each action's item key (a Put carries the
 * whole item: it is narrowed to the table's key attributes). Reads only table descriptions.
 */
export async function prepareTransaction(
  request: unknown,
  keySchemaOf: KeySchemaOf,
): Promise<PreparedTransaction | WireResponse> {
  const parsed = parseActions(request);
  if (!Array.isArray(parsed)) return parsed;
  const actions = parsed;

  const keySchemas = new Map<string, string[]>();
  for (const tableName of new Set(actions.map((action) => action.tableName))) {
    const names = await keySchemaOf(tableName);
    if (!Array.isArray(names)) return names;
    keySchemas.set(tableName, names);
  }
  const items: string[] = [];
  for (const action of actions) {
    const names = keySchemas.get(action.tableName) ?? [];
    const key: WireItem = {};
    for (const name of names) {
      if (action.key[name] === undefined) {
        return wireError(
          'ValidationException',
          `One or more parameter values were invalid: Missing the key ${name} in the item`,
        );
      }
      key[name] = action.key[name];
    }
    action.key = key;
    const identity = itemIdentity(action.tableName, names, key);
    if (items.includes(identity)) {
      return wireError(
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      );
    }
    items.push(identity);
  }
  return { actions, items };
}

export const isPrepared = (value: PreparedTransaction | WireResponse): value is PreparedTransaction =>
  'actions' in value;

/** The answer DynamoDB gives when a transaction is cancelled: one reason per action, in order. */
export function cancelled(reasons: Record<string, unknown>[]): WireResponse {
  const codes = reasons.map((reason) => String(reason.Code)).join(', ');
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`;
  return wireError('TransactionCanceledException', message, {
    Message: message,
    CancellationReasons: reasons,
  });
}

/** Executes a prepared transaction. The caller must hold the locks of all its items. */
export async function executeTransaction(
  prepared: PreparedTransaction,
  call: WireCall,
): Promise<WireResponse> {
  const { actions } = prepared;

  // 1. Read every item and evaluate every condition, writing nothing that changes anything.
  const before: (WireItem | undefined)[] = [];
  const reasons: Record<string, unknown>[] = [];
  for (const action of actions) {
    const got = await call('GetItem', { TableName: action.tableName, Key: action.key, ConsistentRead: true });
    if (got.status !== 200) return got;
    const existing = isObject(got.body.Item) ? got.body.Item : undefined;
    before.push(existing);
    if (action.condition === undefined) {
      reasons.push({ Code: 'None' });
      continue;
    }
    const condition = {
      TableName: action.tableName,
      ConditionExpression: action.condition,
      ...onlyReferenced(action.condition, action.input),
    };
    const checked = existing
      ? await call('PutItem', { ...condition, Item: existing })
      : await call('DeleteItem', { ...condition, Key: action.key });
    if (isError(checked, 'ConditionalCheckFailedException')) {
      const withItem = action.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing;
      reasons.push({
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(withItem ? { Item: existing } : {}),
      });
    } else if (checked.status !== 200) {
      return checked;
    } else {
      reasons.push({ Code: 'None' });
    }
  }

  // 2. Cancel as DynamoDB does: one reason per action, in order.
  if (reasons.some((reason) => reason.Code !== 'None')) {
    const codes = reasons.map((reason) => String(reason.Code)).join(', ');
    const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`;
    return wireError('TransactionCanceledException', message, {
      Message: message,
      CancellationReasons: reasons,
    });
  }

  // 3. Apply, undoing what was applied if any action is refused.
  const applied: number[] = [];
  for (const [index, action] of actions.entries()) {
    if (action.kind === 'ConditionCheck') continue;
    const { ReturnValuesOnConditionCheckFailure: _ignored, ...input } = action.input;
    const operation =
      action.kind === 'Put' ? 'PutItem' : action.kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
    const result = await call(operation, input);
    if (result.status !== 200) {
      for (const undo of applied.reverse()) {
        const undoAction = actions[undo];
        if (!undoAction) continue;
        const old = before[undo];
        await (old
          ? call('PutItem', { TableName: undoAction.tableName, Item: old })
          : call('DeleteItem', { TableName: undoAction.tableName, Key: undoAction.key }));
      }
      return result;
    }
    applied.push(index);
  }
  return { status: 200, body: {} };
}
