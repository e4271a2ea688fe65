// Finds a charger's entities through the entity registry's display entries (device, platform and
// translation key), never through entity ids: the homeowner may rename every one of them.

import { DOMAIN, Hass } from "./types";

export const ROLES = [
  "status",
  "plugged_in",
  "charging",
  "power",
  "energy_session",
  "state_of_charge",
  "charge_mode",
  "current_limit",
  "applied_limit",
  "limit_obeyed",
  "limit_verified",
  "control_reason",
  "session_solar_share",
] as const;

export type Role = (typeof ROLES)[number];

export interface Connector {
  deviceId: string;
  name: string;
  entities: Partial<Record<Role, string>>;
}

const ROLE_SET: ReadonlySet<string> = new Set(ROLES);

function deviceName(hass: Hass, deviceId: string): string {
  const device = hass.devices[deviceId];
  return device?.name_by_user || device?.name || deviceId;
}

function entitiesOf(hass: Hass, deviceId: string): Partial<Record<Role, string>> {
  const found: Partial<Record<Role, string>> = {};
  for (const entry of Object.values(hass.entities)) {
    if (entry.device_id !== deviceId || entry.platform !== DOMAIN) continue;
    const key = entry.translation_key;
    if (key && ROLE_SET.has(key) && !(key in found)) found[key as Role] = entry.entity_id;
  }
  return found;
}

/** The charger devices of this integration (connector devices hang below them). */
export function chargerDevices(hass: Hass): string[] {
  const ours = new Set<string>();
  for (const entry of Object.values(hass.entities)) {
    if (entry.platform === DOMAIN && entry.device_id) ours.add(entry.device_id);
  }
  const chargers = new Set<string>();
  for (const id of ours) {
    const via = hass.devices[id]?.via_device_id;
    chargers.add(via && hass.devices[via] ? via : id);
  }
  return [...chargers].sort((a, b) => deviceName(hass, a).localeCompare(deviceName(hass, b)));
}

/** The connectors of a charger: its own device when it has connector entities, and its connector devices. */
export function connectorsOf(hass: Hass, chargerId: string): Connector[] {
  const connectors: Connector[] = [];
  const own = entitiesOf(hass, chargerId);
  if (own.status) connectors.push({ deviceId: chargerId, name: deviceName(hass, chargerId), entities: own });
  const below = Object.values(hass.devices)
    .filter((device) => device.via_device_id === chargerId)
    .map((device) => device.id)
    .sort((a, b) => deviceName(hass, a).localeCompare(deviceName(hass, b), undefined, { numeric: true }));
  for (const id of below) {
    const entities = entitiesOf(hass, id);
    if (Object.keys(entities).length) connectors.push({ deviceId: id, name: deviceName(hass, id), entities });
  }
  return connectors;
}

export { deviceName };
