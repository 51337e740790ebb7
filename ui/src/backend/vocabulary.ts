// The fixed vocabularies of the UI ⇄ Rust contract. The Rust wire types (mobile-app/src/dto.rs)
// still carry these as strings; their generated TypeScript (./generated.ts) names these unions
// with `ts(type = …)`, so a value outside them is a type error in the UI.

export type Role = 'inspector' | 'intake_operator' | 'shift_leader' | 'dispatcher'
  | 'department' | 'leader' | 'admin' | 'system';
export type Mode = 'field' | 'supervisor';   // inspector, department → field; others → supervisor
export type Light = 'green' | 'yellow' | 'red';
export type SyncState = 'local' | 'pending' | 'synced';
export type Urgency = 'urgent' | 'normal';
export type QueueId =
  | 'my_tasks'      // field: verify/check tasks assigned to me; department: cases dispatched to my department awaiting feedback
  | 'my_reports'    // field: cases I reported
  | 'intake'        // reported, awaiting accept (intake operator)
  | 'verify'        // awaiting verification
  | 'filing'        // awaiting filing (shift leader)
  | 'dispatch'      // awaiting dispatch (dispatcher)
  | 'handling'      // in progress at a department
  | 'approvals'     // pending extension / send-back / park / self-handle requests
  | 'check'         // feedback received, awaiting check
  | 'close'         // awaiting close
  | 'callback'      // closed public cases awaiting 回访 (call-back)
  | 'closed'        // closed, rejected, voided, merged
  | 'all';
export type ActionKind = 'accept' | 'request_verification' | 'verify' | 'merge_into' | 'file' | 'reject'
  | 'void' | 'fast_dispatch' | 'dispatch' | 'request_extension' | 'approve_extension' | 'deny_extension'
  | 'request_sendback' | 'approve_sendback' | 'deny_sendback' | 'request_park' | 'approve_park'
  | 'deny_park' | 'resume' | 'feedback' | 'request_check' | 'check' | 'close' | 'approve_self_handle'
  | 'deny_self_handle' | 'callback' | 'reopen' | 'comment'
  // 督办 / 督办回复 / 批示 / 批示签收 / 催办 (issue 15 item 1)
  | 'escalate' | 'escalation_reply' | 'instruct' | 'acknowledge_instruction' | 'urge'
  // 签收 / 下派 / 下级反馈 (issue 15 item 6, docs/departments.md)
  | 'sign_for' | 'sub_dispatch' | 'sub_feedback';
export type ActionField = 'reason' | 'photos' | 'department' | 'passed' | 'satisfied' | 'assignee'
  | 'limitHours' | 'comment' | 'targetCase'
  // 派遣: an override of the standard limit (value, explicit unit; the reason goes in `reason`)
  | 'limitValue' | 'limitUnit'
  // 立案: the 立案条件 chosen; 核实: a corrected position (the device's fix at the scene)
  | 'condition' | 'correctedLocation'
  // 督办: level (1–9), addressee (`target`: '' = the case's department, `department:<id>`, `role:<role>`), reply time in hours
  | 'level' | 'target' | 'replyHours'
  // 下派: the child unit and its deadline (≤ the parent's)
  | 'unit' | 'dueAt';
export type DraftKind = 'report' | 'hotline' | 'self_handle';
export type PlaceKind = 'road' | 'place' | 'community' | 'street' | 'cell' | 'component';
export type SurveyState = 'pending' | 'clear' | 'found';
/** What a supervision item is: 督办, 批示 or 催办. */
export type SupervisionKind = 'escalate' | 'instruct' | 'urge';
/** What an alert announces: a new task, a returned case (返工), or a 督办/批示/催办 for me. */
export type AlertKind = 'task' | 'returned' | 'escalate' | 'instruct' | 'urge';
