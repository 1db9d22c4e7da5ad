/**
 * The branch an issue task works on: `nightshift/issue-<n>-<slug>`, the slug made of the title's
 * words in lower-case ASCII, cut at a word so that it never ends in half of one. Pure.
 */

/** Characters of the slug at most; the branch name stays readable in GitHub's branch menus. */
export const BRANCH_SLUG_MAX = 40;

export function branchForIssue(number: number, title: string): string {
  const slug = branchSlug(title);
  return `nightshift/issue-${number}${slug ? `-${slug}` : ''}`;
}

/**
 * `Café: add() returns the DIFFERENCE!` → `cafe-add-returns-the-difference`. Accents are dropped,
 * anything else that is not a letter or digit separates words; a title in another script has
 * no slug. Longer than `max`, the slug ends at the last whole word that fits (or is cut, when its
 * first word alone is longer).
 */
export function branchSlug(title: string, max = BRANCH_SLUG_MAX): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= max) return slug;
  if (slug.charAt(max) === '-') return slug.slice(0, max);
  const cut = slug.slice(0, max);
  const lastWord = cut.lastIndexOf('-');
  return (lastWord > 0 ? cut.slice(0, lastWord) : cut).replace(/-+$/, '');
}
