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
