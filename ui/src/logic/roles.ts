// What the supervisor navigation offers to each role. The server decides in the end; these only
// hide entries it would refuse.
import type { Role } from '../backend/types';

/** 综合评价: shift leaders, leaders and administrators (the server answers `evaluation_forbidden` to others). */
export function mayEvaluate(role: Role | null | undefined): boolean {
  return role === 'shift_leader' || role === 'leader' || role === 'admin';
}

/** 热线受理: intake operators and administrators. */
export function mayHotline(role: Role | null | undefined): boolean {
  return role === 'intake_operator' || role === 'admin';
}

/** 巡查考勤, 排班 (read) and 专项普查 progress: shift leaders, leaders and administrators. */
export function mayPatrol(role: Role | null | undefined): boolean {
  return role === 'shift_leader' || role === 'leader' || role === 'admin';
}

/** Changing the roster and creating 专项普查 tasks: shift leaders and administrators. */
export function mayPlanPatrol(role: Role | null | undefined): boolean {
  return role === 'shift_leader' || role === 'admin';
}

/** 综合看板 and 月报/季报: shift leaders, leaders and administrators (the server answers `dashboard_forbidden` to others). */
export function mayDashboard(role: Role | null | undefined): boolean {
  return role === 'shift_leader' || role === 'leader' || role === 'admin';
}

/** 设备配置码 (the enrolment QR code for tablets): shift leaders and administrators. */
export function mayEnrol(role: Role | null | undefined): boolean {
  return role === 'shift_leader' || role === 'admin';
}
