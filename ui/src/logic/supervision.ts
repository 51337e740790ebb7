// 督办 / 批示 / 催办 and alerts as the lists and the notice show them: the tags of a row and the
// merging of new alerts (newest first, one per key, bounded).
import type { Alert, CaseRow } from '../backend/types';
import { t } from '../i18n';

export interface Tag { key: string; text: string; cls: string }

/** The supervision tags of a row, in display order: 新, N 级督办（待回复）, 批示待签收, 催办. */
export function supervisionTags(r: CaseRow): Tag[] {
  const tags: Tag[] = [];
  if (r.isNew) tags.push({ key: 'new', text: t('list.new'), cls: 'tag-new' });
  const level = r.escalationLevel ?? 0;
  if (level > 0) {
    const text = t('list.escalated', { n: level }) + (r.escalationAwaitingReply ? `·${t('list.awaitingReply')}` : '');
    tags.push({ key: 'escalated', text, cls: r.escalationAwaitingReply ? 'tag-escalated tag-awaiting' : 'tag-escalated' });
  }
  if (r.instructionPending) tags.push({ key: 'instruction', text: t('list.instructionPending'), cls: 'tag-instruction' });
  if ((r.urgeCount ?? 0) > 0) tags.push({ key: 'urged', text: t('list.urged'), cls: 'tag-urged' });
  return tags;
}

/** Most alerts kept in the notice. */
export const MAX_ALERTS = 20;

/** New alerts on top of the kept ones: newest first, one per key, at most MAX_ALERTS. */
export function mergeAlerts(kept: Alert[], incoming: Alert[]): Alert[] {
  const seen = new Set<string>();
  const out: Alert[] = [];
  for (const a of [...incoming].reverse().concat(kept)) {
    if (seen.has(a.key)) continue;
    seen.add(a.key);
    out.push(a);
  }
  return out.slice(0, MAX_ALERTS);
}
