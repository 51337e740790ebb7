// The form behind each action button: exactly the fields its ActionSpec lists, pre-filled from
// the case detail, validated, then turned into an ActionInput for `act`.
import type { ActionField, ActionInput, ActionKind, ActionSpec, CaseDetail, Position } from '../backend/types';
import { defaultDue, dueError, fromLocalInput } from './subdispatch';

export interface ActionValues {
  reason: string; comment: string; photos: string[]; department: string;
  passed: boolean | null; satisfied: boolean | null; assignee: string; limitHours: string; targetCase: string;
  /** 派遣: an override of the standard limit; empty keeps the standard one. */
  limitValue: string; limitUnit: string;
  /** 立案: the chosen 立案条件 code. */
  condition: string;
  /** 核实: the corrected position, when the inspector took the fix at the scene. */
  corrected: Position | null;
  /** 督办: level (1–9), addressee ('' = the case's department), reply time in hours ('' = none). */
  level: string; target: string; replyHours: string;
  /** 下派: the child unit's id and the deadline (`datetime-local`, Asia/Shanghai). */
  unit: string; dueAt: string;
}

/** Centre roles a 督办 or 批示 may be addressed to (besides a department). */
export const TARGET_ROLES: [string, string][] = [
  ['dispatcher', '派遣员'], ['shift_leader', '值班长'], ['intake_operator', '受理员'],
];

/** Longest reply time a 督办 may ask for, in hours (core: 90 days). */
export const MAX_REPLY_HOURS = 90 * 24;

/** Units a dispatcher may choose for an override: stable name and zh label. */
export const LIMIT_UNITS: [string, string][] = [
  ['working_hours', '工作时'], ['working_days', '工作日'], ['working_minutes', '工作分钟'],
  ['natural_hours', '小时（自然时）'], ['natural_days', '天（自然日）'], ['natural_minutes', '分钟（自然时）'],
];

export type ActionErrors = Partial<Record<ActionField, string>>;

/** Kinds whose reason is mandatory when the spec lists a reason field. */
const REASON_REQUIRED: ActionKind[] = ['reject', 'void', 'request_extension', 'deny_extension',
  'request_sendback', 'deny_sendback', 'request_park', 'deny_park', 'reopen', 'deny_self_handle',
  'escalate', 'urge'];

/** Kinds whose comment is mandatory (the reply, the instruction, the feedback). */
const COMMENT_REQUIRED: ActionKind[] = ['comment', 'escalation_reply', 'instruct', 'sub_feedback'];

export function initialValues(spec: ActionSpec, detail: CaseDetail | null): ActionValues {
  const v: ActionValues = {
    reason: '', comment: '', photos: [], department: '', passed: null, satisfied: null,
    assignee: '', limitHours: '', targetCase: '', limitValue: '', limitUnit: '', condition: '', corrected: null,
    level: '1', target: '', replyHours: '24', unit: '', dueAt: '',
  };
  if (spec.fields.includes('unit') && detail?.childUnits?.length === 1) v.unit = detail.childUnits[0].id;
  if (spec.fields.includes('dueAt')) v.dueAt = defaultDue(detail?.parentDue, Date.now());
  if (spec.fields.includes('condition') && detail?.conditions?.length === 1) v.condition = detail.conditions[0].code;
  if (spec.fields.includes('department')) v.department = detail?.suggestion?.departmentId ?? detail?.row.department ?? '';
  if (spec.fields.includes('assignee') && detail?.assignees.length === 1) v.assignee = detail.assignees[0].userId;
  if (spec.fields.includes('targetCase') && detail?.duplicates.length) v.targetCase = detail.duplicates[0].caseId;
  return v;
}

/** `conditionsRequired`: the case's category has 立案条件 to choose from (filing must name one). */
export function validateAction(spec: ActionSpec, v: ActionValues, conditionsRequired = false,
  subDispatch: { parentDue?: number | null; now?: number } = {}): ActionErrors {
  const e: ActionErrors = {};
  const has = (f: ActionField) => spec.fields.includes(f);
  // 下派: a child unit, and a deadline after now and not after the parent's.
  if (has('unit') && !v.unit) e.unit = 'err.unitRequired';
  if (has('dueAt')) {
    const bad = dueError(v.dueAt, subDispatch.parentDue, subDispatch.now ?? Date.now());
    if (bad) e.dueAt = bad;
  }
  if (has('reason') && REASON_REQUIRED.includes(spec.kind) && v.reason.trim().length < 2) e.reason = 'err.reasonRequired';
  if (has('reason') && v.reason.length > 500) e.reason = 'err.textTooLong';
  if (has('comment') && COMMENT_REQUIRED.includes(spec.kind) && !v.comment.trim()) {
    e.comment = spec.kind === 'escalation_reply' ? 'err.replyRequired' : spec.kind === 'instruct' ? 'err.instructionRequired'
      : spec.kind === 'sub_feedback' ? 'err.feedbackRequired' : 'err.commentRequired';
  }
  if (has('level')) {
    const n = Number(v.level);
    if (!Number.isInteger(n) || n < 1 || n > 9) e.level = 'err.levelInvalid';
  }
  if (has('replyHours') && v.replyHours.trim()) {
    const n = Number(v.replyHours);
    if (!Number.isInteger(n) || n <= 0 || n > MAX_REPLY_HOURS) e.replyHours = 'err.replyHoursInvalid';
  }
  // 处置反馈: the guide's 处置结果说明（必填）.
  if (has('comment') && spec.kind === 'feedback' && !v.comment.trim()) e.comment = 'err.feedbackRequired';
  if (has('comment') && v.comment.length > 500) e.comment = 'err.textTooLong';
  if (has('department') && !v.department) e.department = 'err.departmentRequired';
  if (has('assignee') && !v.assignee) e.assignee = 'err.assigneeRequired';
  if (has('passed') && v.passed == null) e.passed = 'err.choiceRequired';
  if (has('satisfied') && v.satisfied == null) e.satisfied = 'err.choiceRequired';
  if (has('targetCase') && !v.targetCase.trim()) e.targetCase = 'err.targetRequired';
  if (has('limitHours') && v.limitHours.trim()) {
    const n = Number(v.limitHours);
    if (!Number.isFinite(n) || n <= 0 || n > 24 * 365) e.limitHours = 'err.limitHoursInvalid';
  } else if (has('limitHours') && spec.kind === 'request_extension') {
    e.limitHours = 'err.limitHoursRequired';
  }
  if (has('limitValue') && v.limitValue.trim()) {
    const n = Number(v.limitValue);
    if (!Number.isInteger(n) || n <= 0 || n > 10000) e.limitValue = 'err.limitValueInvalid';
    if (has('limitUnit') && !v.limitUnit) e.limitUnit = 'err.limitUnitRequired';
    // An override of the standard limit is recorded with its reason.
    if (has('reason') && v.reason.trim().length < 2) e.reason = 'err.overrideReasonRequired';
  } else if (has('limitUnit') && v.limitUnit) {
    e.limitValue = 'err.limitValueInvalid';
  }
  if (has('condition') && conditionsRequired && !v.condition) e.condition = 'err.conditionRequired';
  // Verify, check and feedback prove what was seen on site.
  if (has('photos') && (spec.kind === 'feedback' || spec.kind === 'check' || spec.kind === 'verify') && v.photos.length === 0) {
    e.photos = 'err.photosRequired';
  }
  return e;
}

export function toActionInput(spec: ActionSpec, v: ActionValues): ActionInput {
  const input: ActionInput = { kind: spec.kind };
  for (const f of spec.fields) {
    switch (f) {
      case 'reason':
        // A dispatch's reason is the override's: without an override there is none to record.
        if (v.reason.trim() && !(spec.fields.includes('limitValue') && !v.limitValue.trim())) input.reason = v.reason.trim();
        break;
      case 'comment': if (v.comment.trim()) input.comment = v.comment.trim(); break;
      case 'photos': input.photos = [...v.photos]; break;
      case 'department': input.departmentId = v.department; break;
      case 'passed': if (v.passed != null) input.passed = v.passed; break;
      case 'satisfied': if (v.satisfied != null) input.satisfied = v.satisfied; break;
      case 'assignee': input.assignee = v.assignee; break;
      case 'limitHours': if (v.limitHours.trim()) input.limitHours = Number(v.limitHours); break;
      case 'targetCase': input.targetCase = v.targetCase.trim(); break;
      case 'limitValue': if (v.limitValue.trim()) input.limitValue = Number(v.limitValue); break;
      case 'limitUnit': if (v.limitValue.trim() && v.limitUnit) input.limitUnit = v.limitUnit; break;
      case 'condition': if (v.condition) input.condition = v.condition; break;
      case 'level': input.level = Number(v.level); break;
      case 'target': if (v.target) input.target = v.target; break;
      case 'replyHours': if (v.replyHours.trim()) input.replyHours = Number(v.replyHours); break;
      case 'unit': input.departmentId = v.unit; break;
      case 'dueAt': { const ms = fromLocalInput(v.dueAt); if (ms != null) input.dueAt = ms; break; }
      case 'correctedLocation':
        if (v.corrected) {
          input.correctedLon = v.corrected.lon; input.correctedLat = v.corrected.lat;
          if (v.corrected.accuracyM != null) input.correctedAccuracyM = v.corrected.accuracyM;
        }
        break;
    }
  }
  return input;
}
