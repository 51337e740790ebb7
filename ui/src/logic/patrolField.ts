// Patrol and 专项普查 display logic for the field app (issue 16): the duty line, distances,
// what a survey still needs, and the draft that 上报问题 opens. Pure functions, tested in
// tests/patrolField.test.ts.
import type { Draft, PatrolStatus, Survey, MySurveyCell } from '../backend/types';
import { emptyDraft } from './draft';

/** 巡查里程 in words: metres under 1 km ("850 米"), else kilometres with one decimal ("2.3 公里"). */
export function formatDistance(metres: number): string {
  const m = Number.isFinite(metres) && metres > 0 ? metres : 0;
  if (m < 1000) return `${Math.round(m)} 米`;
  return `${(Math.floor(m / 100) / 10).toFixed(1)} 公里`;
}

/** The duty line: "在岗 · 已巡查 2.3 公里" or "未签到" (with today's distance when there is one). */
export function dutyLine(s: PatrolStatus): string {
  if (s.onDuty) return `在岗 · 已巡查 ${formatDistance(s.metres)}`;
  return s.metres > 0 ? `已签退 · 今日巡查 ${formatDistance(s.metres)}` : '未签到';
}

/** Patrol items not yet on the server, and refused ones (shown honestly, never hidden). */
export function patrolBacklog(s: PatrolStatus): { pending: number; refused: number } {
  return {
    pending: s.pendingBlocks + s.pendingSigns + s.pendingMarks + (s.unsealedPoints > 0 ? 1 : 0),
    refused: s.refusedBlocks + s.refusedSigns + s.refusedMarks,
  };
}

/** What can still be marked in a cell: the cell itself (no listed components) or each pending component. */
export function openTargets(cell: MySurveyCell): (string | null)[] {
  if (cell.components.length === 0) return cell.status === 'pending' ? [null] : [];
  return cell.components.filter((c) => c.status === 'pending').map((c) => c.id);
}

/** Progress of a survey as "已完成 2/5 个网格". */
export function surveyProgress(s: Survey): string {
  return `已完成 ${s.done}/${s.cells.length} 个网格`;
}

/** Overdue (due time passed and cells still open). */
export function surveyOverdue(s: Survey, now: number): boolean {
  return now > s.dueAt && s.done < s.cells.length;
}

/** The new report draft 上报问题 opens: linked to the survey's cell (and component). */
export function surveyDraft(surveyId: string, cell: string, componentId: string | null, now: number): Draft {
  return { ...emptyDraft('report', now), survey: { surveyId, cell, componentId } };
}
