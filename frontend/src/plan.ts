// The Cheapest plan (the control reason's planned_schedule attribute) as segments of a small timeline.

import { HassEntityState } from "./types";

export interface Segment {
  from: string;
  charging: boolean;
  share: number;
}

export interface Timeline {
  start: string;
  end: string;
  segments: Segment[];
}

interface Period {
  start: string;
  limit: number;
}

function clock(at: Date, language: string | undefined): string {
  return at.toLocaleTimeString(language ?? "en", { hour: "2-digit", minute: "2-digit" });
}

/** The plan from now until its end, or undefined when the connector has none. */
export function plan(stateObj: HassEntityState, language: string | undefined, now = Date.now()): Timeline | undefined {
  const periods = stateObj.attributes.planned_schedule as Period[] | null | undefined;
  const until = stateObj.attributes.planned_until as string | undefined;
  if (!Array.isArray(periods) || !periods.length || !until) return undefined;
  const end = Date.parse(until);
  const starts = periods.map((period) => Date.parse(period.start));
  const begin = Math.max(Math.min(now, end), starts[0]);
  if (!(end > begin)) return undefined;
  const segments: Segment[] = [];
  periods.forEach((period, index) => {
    const from = Math.max(starts[index], begin);
    const to = Math.min(index + 1 < periods.length ? starts[index + 1] : end, end);
    if (to > from)
      segments.push({ from: clock(new Date(from), language), charging: period.limit > 0, share: (to - from) / (end - begin) });
  });
  return { start: clock(new Date(begin), language), end: clock(new Date(end), language), segments };
}
