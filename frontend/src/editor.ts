// The card's visual editor: a choice among this integration's chargers only.

import { LitElement, css, html } from "lit";

import { chargerDevices, deviceName } from "./entities";
import { defineWhenReady } from "./register";
import { strings } from "./strings";
import { CardConfig, Hass } from "./types";

export class OcppCentralChargerCardEditor extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
  };

  static styles = css`
    label {
      display: flex;
      flex-direction: column;
      gap: 4px;
      color: var(--secondary-text-color);
    }
    select {
      font: inherit;
      color: var(--primary-text-color);
      background: var(--input-fill-color, var(--secondary-background-color));
      border: 1px solid var(--divider-color);
      border-radius: 8px;
      padding: 8px;
    }
  `;

  hass?: Hass;
  _config?: CardConfig;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected render() {
    if (!this.hass || !this._config) return html``;
    const hass = this.hass;
    const words = strings(hass.locale?.language ?? hass.language);
    const chosen = this._config.device_id ?? "";
    const chargers = chargerDevices(hass);
    return html`<label
      >${words.charger}
      <select @change=${this._changed}>
        <option value="" ?selected=${!chosen}>${words.all_chargers}</option>
        ${chargers.map(
          (id) => html`<option value=${id} ?selected=${id === chosen}>${deviceName(hass, id)}</option>`,
        )}
      </select>
    </label>`;
  }

  private _changed(ev: Event): void {
    const deviceId = (ev.target as HTMLSelectElement).value;
    const config: CardConfig = { ...this._config!, device_id: deviceId || undefined };
    if (!deviceId) delete config.device_id;
    this._config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}

const EDITOR = "ocpp-central-charger-card-editor";
defineWhenReady(EDITOR, OcppCentralChargerCardEditor);
