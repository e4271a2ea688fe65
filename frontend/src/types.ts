// The parts of Home Assistant's frontend objects the card reads (a subset of home-assistant-frontend's types).

export interface HassEntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
}

export interface EntityDisplayEntry {
  entity_id: string;
  device_id?: string;
  platform?: string;
  translation_key?: string;
  hidden?: boolean;
}

export interface DeviceEntry {
  id: string;
  name: string | null;
  name_by_user: string | null;
  via_device_id: string | null;
  model?: string | null;
}

export interface Hass {
  states: Record<string, HassEntityState>;
  entities: Record<string, EntityDisplayEntry>;
  devices: Record<string, DeviceEntry>;
  locale?: { language: string };
  language?: string;
  themes?: { darkMode?: boolean };
  callService(domain: string, service: string, data: Record<string, unknown>): Promise<unknown>;
  formatEntityState?(stateObj: HassEntityState, state?: string): string;
}

export interface CardConfig {
  type: string;
  device_id?: string;
}

export const DOMAIN = "ocpp_central";
