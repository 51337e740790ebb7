// The supervisor's patrol and survey calls (issue 16): the wire JSON of
// core/src/protocol/patrol.rs as the app commands of mobile-app/src/commands/patrol_admin.rs
// return it (snake_case, as the server sends it), and the calls themselves. All of them need
// the server (online only); the command answers `network` with a Chinese message when offline.

/** One cell on one day of an inspector's report. */
export interface CellDay { cell: string; assigned: boolean; visited: boolean; metres: number; seconds: number }

/** One inspector-day of the report. `outside`: stretches outside the assigned area, Unix seconds. */
export interface InspectorDay {
  day: string; cells: CellDay[]; metres: number; outside: [number, number][];
  scheduled_s: number; on_duty_s: number; late_s: number; early_leave_s: number;
  missing_sign_out: boolean; signed_outside: boolean;
}

/** One exact 漏报: the case walked past and the evidence segment (Unix seconds). */
export interface Missed { case_id: string; case_number: string | null; distance_m: number; segment: [number, number] }

/** One inspector over the period. Rates are 0–1. */
export interface InspectorPatrol {
  inspector: string; name: string; coverage_rate: number; metres: number; scheduled_s: number;
  on_duty_s: number; duty_rate: number; days: InspectorDay[]; missed: Missed[];
}

/** `GET /v1/patrol/report` (`to` inclusive). */
export interface PatrolReport { from: string; to: string; inspectors: InspectorPatrol[] }

export type SignKind = 'in' | 'out';
/** A sign event: `at` in Unix ms. */
export interface SignEvent { kind: SignKind; at: number; lon: number; lat: number }

/** One inspector-day for playback: points `[t (Unix s), lon, lat, accuracy m]` in time order. */
export interface TrackDay { day: string; points: [number, number, number, number][]; signs: SignEvent[] }

/** One shift of the roster; `start`/`end` Unix ms. */
export interface RosterShift { inspector: string; day: string; start: number; end: number; cells: string[] }
export interface Roster { shifts: RosterShift[] }

export interface CategoryRefWire { kind: 'component' | 'matter'; code: string }

/** A 专项普查 task; `assignments`: inspector → cells; `components`: cell → component ids. */
export interface SurveyTask {
  id: string; title: string; categories: CategoryRefWire[];
  assignments: Record<string, string[]>; components: Record<string, string[]>;
  starts_at: number; due_at: number;
}

export interface SurveyCell { cell: string; inspector: string; status: string; found: number; done: boolean }
export interface SurveyInspector { inspector: string; name: string; cells: number; done: number; reported: number; clear: number }
export interface SurveyProgress { task: SurveyTask; rate: number; cases: number; cells: SurveyCell[]; inspectors: SurveyInspector[] }

/** An inspector from the device's reference data, with their usual cells. */
export interface PatrolInspector { id: string; name: string; cells: string[] }
/** A component of a cell from the device's inventory. */
export interface CellComponent { id: string; typeCode: string; typeName: string }

export interface PatrolAdmin {
  /** The tenant's inspectors (offline, from the reference data). */
  patrolInspectors(): Promise<PatrolInspector[]>;
  /** 巡查考勤 of an inclusive period of days (at most 92). */
  patrolReport(from: string, to: string): Promise<PatrolReport>;
  /** One inspector-day's track and sign events. */
  patrolTrack(inspector: string, day: string): Promise<TrackDay>;
  /** The roster of an inclusive period. */
  patrolRoster(from: string, to: string): Promise<Roster>;
  /** Replaces the shifts of the days the roster names. */
  patrolRosterSave(roster: Roster): Promise<void>;
  surveyList(): Promise<SurveyTask[]>;
  /** Creates the task (its id comes from the form, so sending it again is harmless). */
  surveyCreate(task: SurveyTask): Promise<SurveyTask>;
  surveyProgress(id: string): Promise<SurveyProgress>;
  /** Saves the result as XLSX on the device; resolves to the file's path. */
  surveyExport(id: string, title: string): Promise<string>;
  /** The components of these cells of these component types (codes), by cell (offline). */
  surveyCellComponents(cells: string[], types: string[]): Promise<Record<string, CellComponent[]>>;
}

type Call = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

/** The Tauri commands behind [`PatrolAdmin`]. */
export function patrolAdminCalls(call: Call): PatrolAdmin {
  return {
    patrolInspectors: () => call<PatrolInspector[]>('patrol_inspectors'),
    patrolReport: (from, to) => call<PatrolReport>('patrol_report', { from, to }),
    patrolTrack: (inspector, day) => call<TrackDay>('patrol_track', { inspector, day }),
    patrolRoster: (from, to) => call<Roster>('patrol_roster', { from, to }),
    patrolRosterSave: async (roster) => { await call<null>('patrol_roster_save', { roster }); },
    surveyList: () => call<SurveyTask[]>('survey_list'),
    surveyCreate: (task) => call<SurveyTask>('survey_create', { task }),
    surveyProgress: (id) => call<SurveyProgress>('survey_progress', { id }),
    surveyExport: (id, title) => call<string>('survey_export', { id, title }),
    surveyCellComponents: (cells, types) => call<Record<string, CellComponent[]>>('survey_cell_components', { cells, types }),
  };
}
