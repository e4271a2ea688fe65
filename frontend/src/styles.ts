import { css } from "lit";

// Only Home Assistant's theme variables: the card follows light, dark and custom themes.
export const cardStyles = css`
  ha-card {
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 16px;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    font-size: 1.2em;
    font-weight: 500;
    color: var(--primary-text-color);
  }
  .header ha-icon {
    color: var(--state-icon-color, var(--primary-color));
  }
  .message {
    color: var(--secondary-text-color);
  }
  .connector {
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .connector + .connector {
    border-top: 1px solid var(--divider-color);
    padding-top: 16px;
  }
  .connector-name {
    font-weight: 500;
    color: var(--secondary-text-color);
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 4px 10px;
    border-radius: 16px;
    font-size: 0.9em;
    background: var(--secondary-background-color);
    color: var(--primary-text-color);
  }
  .chip.active {
    background: var(--success-color, #43a047);
    color: var(--text-primary-color, #fff);
  }
  .chip.paused {
    background: var(--warning-color, #ffa600);
    color: var(--text-primary-color, #fff);
  }
  .chip.fault {
    background: var(--error-color, #db4437);
    color: var(--text-primary-color, #fff);
  }
  .chip ha-icon {
    --mdc-icon-size: 18px;
  }
  .readings {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(90px, 1fr));
    gap: 8px;
  }
  .reading {
    display: flex;
    flex-direction: column;
  }
  .reading .label {
    font-size: 0.8em;
    color: var(--secondary-text-color);
  }
  .reading .value {
    font-size: 1.3em;
    font-weight: 500;
    color: var(--primary-text-color);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    color: var(--primary-text-color);
  }
  .row .label {
    color: var(--secondary-text-color);
  }
  select {
    font: inherit;
    color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color));
    border: 1px solid var(--divider-color);
    border-radius: 8px;
    padding: 6px 8px;
    min-width: 140px;
  }
  .limit {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .limit input[type="range"] {
    width: 100%;
    accent-color: var(--primary-color);
  }
  .limit .detail {
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  .obeys-no {
    color: var(--warning-color, #ffa600);
  }
  .reason {
    font-size: 0.95em;
    color: var(--primary-text-color);
  }
  .plan-bar {
    display: flex;
    height: 12px;
    border-radius: 6px;
    overflow: hidden;
    background: var(--secondary-background-color);
  }
  .plan-bar .charge {
    background: var(--primary-color);
  }
  .plan-bar .wait {
    background: var(--divider-color);
  }
  .plan-times {
    display: flex;
    justify-content: space-between;
    font-size: 0.8em;
    color: var(--secondary-text-color);
  }
`;
