// ocpp-central-charger-card: one charger of the OCPP Central System integration, per connector.

import { LitElement, html, nothing, TemplateResult } from "lit";

import { Connector, chargerDevices, connectorsOf, deviceName } from "./entities";
import { plan } from "./plan";
import { defineWhenReady } from "./register";
import { StringKey, strings } from "./strings";
import { cardStyles } from "./styles";
import { CardConfig, Hass, HassEntityState } from "./types";
import "./editor";

export const CARD_TYPE = "ocpp-central-charger-card";
const MISSING = new Set(["unknown", "unavailable"]);

const STATUS_LOOK: Record<string, { icon: string; look: string }> = {
  available: { icon: "mdi:ev-plug-type2", look: "" },
  preparing: { icon: "mdi:car-electric", look: "" },
  charging: { icon: "mdi:battery-charging", look: "active" },
  suspended_ev: { icon: "mdi:car-clock", look: "paused" },
  suspended_evse: { icon: "mdi:pause-circle", look: "paused" },
  finishing: { icon: "mdi:car-electric", look: "" },
  reserved: { icon: "mdi:calendar-clock", look: "" },
  unavailable: { icon: "mdi:power-plug-off", look: "" },
  faulted: { icon: "mdi:alert-circle", look: "fault" },
};

export class OcppCentralChargerCard extends LitElement {
  static styles = cardStyles;
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _dragging: { state: true },
  };

  hass?: Hass;
  _config?: CardConfig;
  // The slider's value while the homeowner moves it, per number entity.
  _dragging: Record<string, number> = {};

  static getConfigElement(): HTMLElement {
    return document.createElement(`${CARD_TYPE}-editor`);
  }

  static getStubConfig(hass: Hass): CardConfig {
    const [first] = chargerDevices(hass);
    return first ? { type: `custom:${CARD_TYPE}`, device_id: first } : { type: `custom:${CARD_TYPE}` };
  }

  setConfig(config: CardConfig): void {
    if (!config) throw new Error("Invalid configuration");
    this._config = config;
  }

  getCardSize(): number {
    return 2 + 5 * Math.max(1, this._connectors().length);
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6 };
  }

  private get _t(): (key: StringKey) => string {
    const words = strings(this.hass?.locale?.language ?? this.hass?.language);
    return (key) => words[key];
  }

  // The chosen charger's connectors; without a choice, those of every charger of the integration.
  private _connectors(): Connector[] {
    const hass = this.hass;
    const deviceId = this._config?.device_id;
    if (!hass) return [];
    if (!deviceId) return chargerDevices(hass).flatMap((id) => connectorsOf(hass, id));
    return hass.devices[deviceId] ? connectorsOf(hass, deviceId) : [];
  }

  private _state(entityId: string | undefined): HassEntityState | undefined {
    return entityId ? this.hass?.states[entityId] : undefined;
  }

  private _format(entityId: string | undefined, state?: string): string | undefined {
    const stateObj = this._state(entityId);
    if (!stateObj || (state === undefined && MISSING.has(stateObj.state))) return undefined;
    if (this.hass?.formatEntityState) return this.hass.formatEntityState(stateObj, state);
    const unit = stateObj.attributes.unit_of_measurement;
    return `${state ?? stateObj.state}${unit ? ` ${unit}` : ""}`;
  }

  protected render(): TemplateResult {
    const t = this._t;
    const deviceId = this._config?.device_id;
    const title = this.hass && deviceId ? deviceName(this.hass, deviceId) : t("chargers");
    let body: TemplateResult | TemplateResult[];
    if (deviceId && this.hass && !this.hass.devices[deviceId])
      body = html`<div class="message">${t("charger_gone")}</div>`;
    else {
      const connectors = this._connectors();
      body = connectors.length
        ? connectors.map((connector) => this._renderConnector(connector, connectors.length > 1 || !deviceId))
        : html`<div class="message">${t(deviceId ? "no_connectors" : "no_chargers")}</div>`;
    }
    return html`<ha-card>
      <div class="header"><ha-icon icon="mdi:ev-station"></ha-icon><span class="title">${title}</span></div>
      ${body}
    </ha-card>`;
  }

  private _renderConnector(connector: Connector, named: boolean): TemplateResult {
    const t = this._t;
    const e = connector.entities;
    const status = this._state(e.status);
    const look = STATUS_LOOK[status?.state ?? ""] ?? { icon: "mdi:help-circle", look: "" };
    const plugged = this._state(e.plugged_in);
    const reading = (role: "power" | "energy_session" | "state_of_charge" | "session_solar_share", label: StringKey) => {
      const text = this._format(e[role]);
      if (text === undefined && role !== "power" && role !== "energy_session") return nothing;
      return html`<div class="reading" data-role=${role}>
        <span class="label">${t(label)}</span><span class="value">${text ?? "–"}</span>
      </div>`;
    };
    return html`<div class="connector" data-device=${connector.deviceId}>
      ${named ? html`<div class="connector-name">${connector.name}</div>` : nothing}
      <div class="status">
        <span class="chip ${look.look}" data-role="status"
          ><ha-icon icon=${look.icon}></ha-icon>${this._format(e.status) ?? "–"}</span
        >
        ${plugged && !MISSING.has(plugged.state)
          ? html`<span class="chip" data-role="plugged_in">${plugged.state === "on" ? t("plugged") : t("unplugged")}</span>`
          : nothing}
      </div>
      <div class="readings">
        ${reading("power", "power")} ${reading("energy_session", "session")}
        ${reading("state_of_charge", "battery")} ${reading("session_solar_share", "solar_share")}
      </div>
      ${this._renderMode(e.charge_mode)} ${this._renderLimit(connector)}
      ${this._renderReason(e.control_reason)}
    </div>`;
  }

  private _renderMode(entityId: string | undefined): TemplateResult | typeof nothing {
    const stateObj = this._state(entityId);
    if (!entityId || !stateObj) return nothing;
    const options = (stateObj.attributes.options as string[] | undefined) ?? [];
    return html`<label class="row" data-role="charge_mode">
      <span class="label">${this._t("mode")}</span>
      <select
        @change=${(ev: Event) =>
          this.hass?.callService("select", "select_option", {
            entity_id: entityId,
            option: (ev.target as HTMLSelectElement).value,
          })}
      >
        ${options.map(
          (option) =>
            html`<option value=${option} ?selected=${option === stateObj.state}>
              ${this._format(entityId, option) ?? option}
            </option>`,
        )}
      </select>
    </label>`;
  }

  private _renderLimit(connector: Connector): TemplateResult | typeof nothing {
    const t = this._t;
    const entityId = connector.entities.current_limit;
    const stateObj = this._state(entityId);
    if (!entityId || !stateObj) return nothing;
    const min = Number(stateObj.attributes.min ?? 0);
    const max = Number(stateObj.attributes.max ?? 32);
    const step = Number(stateObj.attributes.step ?? 1);
    const unit = String(stateObj.attributes.unit_of_measurement ?? "A");
    const current = Number(stateObj.state);
    const value = this._dragging[entityId] ?? (Number.isFinite(current) && !MISSING.has(stateObj.state) ? current : max);
    const applied = this._format(connector.entities.applied_limit);
    return html`<div class="limit" data-role="current_limit">
      <div class="row">
        <span class="label">${t("limit")}</span>
        <span class="value" data-role="limit_value">${value} ${unit}</span>
      </div>
      <input
        type="range"
        min=${min}
        max=${max}
        step=${step}
        .value=${String(value)}
        aria-label=${t("limit")}
        @input=${(ev: Event) => {
          this._dragging = { ...this._dragging, [entityId]: Number((ev.target as HTMLInputElement).value) };
        }}
        @change=${(ev: Event) => this._setLimit(entityId, Number((ev.target as HTMLInputElement).value))}
      />
      <div class="detail" data-role="applied_limit">
        ${t("applied")}: ${applied ?? "–"} ·
        ${this._renderObeys(connector.entities.limit_obeyed ?? connector.entities.limit_verified)}
      </div>
    </div>`;
  }

  private async _setLimit(entityId: string, value: number): Promise<void> {
    try {
      await this.hass?.callService("number", "set_value", { entity_id: entityId, value });
    } finally {
      const { [entityId]: _dropped, ...rest } = this._dragging;
      this._dragging = rest;
    }
  }

  private _renderObeys(entityId: string | undefined): TemplateResult {
    const t = this._t;
    const stateObj = this._state(entityId);
    if (!entityId || !stateObj || MISSING.has(stateObj.state))
      return html`<span data-role="limit_verified">${t("obeys_unknown")}</span>`;
    if (entityId.startsWith("binary_sensor.")) {
      const yes = stateObj.state === "on";
      return html`<span data-role="limit_verified" class=${yes ? "" : "obeys-no"}
        >${yes ? t("obeys_yes") : t("obeys_no")}</span
      >`;
    }
    // "Limit obeyed": yes, no, no limit set, waiting for a reading, not reported.
    const look = stateObj.state === "no" ? "obeys-no" : "";
    return html`<span data-role="limit_verified" class=${look}>${t("obeys")}: ${this._format(entityId)}</span>`;
  }

  private _renderReason(entityId: string | undefined): TemplateResult | typeof nothing {
    const stateObj = this._state(entityId);
    const text = this._format(entityId);
    if (!stateObj || text === undefined) return nothing;
    const timeline = plan(stateObj, this.hass?.locale?.language);
    const t = this._t;
    return html`<div class="reason" data-role="control_reason">
        <span class="label">${t("reason")}:</span> ${text}
      </div>
      ${timeline
        ? html`<div class="plan" data-role="plan">
            <div class="row"><span class="label">${t("plan")}</span></div>
            <div class="plan-bar">
              ${timeline.segments.map(
                (segment) =>
                  html`<div
                    class=${segment.charging ? "charge" : "wait"}
                    style="flex: ${segment.share}"
                    title="${segment.from} ${segment.charging ? t("plan_charge") : t("plan_wait")}"
                  ></div>`,
              )}
            </div>
            <div class="plan-times"><span>${timeline.start}</span><span>${timeline.end}</span></div>
          </div>`
        : nothing}`;
  }
}

defineWhenReady(CARD_TYPE, OcppCentralChargerCard);

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean; documentationURL?: string }[];
  }
}

window.customCards = window.customCards ?? [];
if (!window.customCards.some((card) => card.type === CARD_TYPE)) {
  window.customCards.push({
    type: CARD_TYPE,
    name: "OCPP charger",
    description: "Status, power, energy, charge mode and current limit of an OCPP charger, per connector.",
    preview: true,
    documentationURL: "https://github.com/ocpp-central/ocpp_central#dashboard-card",
  });
}
