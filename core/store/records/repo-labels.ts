/**
 * The trigger label (and plan label) a repository's config names (`REPO#<repo>` / `LABEL`), remembered when
 * dispatch reads the config so that intake, which must not call GitHub, can recognise it. A plain
 * put: the last config read wins, and nothing depends on two writers agreeing.
 */
import { repoLabelKey } from '../items.js';
import type { StoreTable } from './store-table.js';

export async function rememberRepoLabel(
  table: StoreTable,
  repository: string,
  label: string,
  planLabel?: string,
): Promise<void> {
  await table.put({ Item: { ...repoLabelKey(repository), entity: 'label', label, planLabel } });
}

export const repoLabel = (table: StoreTable, repository: string) =>
  table.getString(repoLabelKey(repository), 'label');

export const repoPlanLabel = (table: StoreTable, repository: string) =>
  table.getString(repoLabelKey(repository), 'planLabel');
