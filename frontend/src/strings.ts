// The card's own words, English and Swedish; Home Assistant translates the entities' states itself.

const en = {
  no_chargers: "No chargers yet: add one under Settings, Devices & services.",
  chargers: "Chargers",
  all_chargers: "All chargers",
  charger_gone: "This charger is no longer in Home Assistant.",
  no_connectors: "The charger has not reported its connectors yet.",
  charger: "Charger",
  power: "Power",
  session: "Session",
  battery: "Battery",
  mode: "Charge mode",
  limit: "Current limit",
  applied: "Applied",
  obeys: "Charger obeys",
  obeys_yes: "charger obeys",
  obeys_no: "charger does not obey",
  obeys_unknown: "not reported",
  solar_share: "Solar share",
  reason: "Why",
  plan: "Cheapest plan",
  plan_charge: "charging",
  plan_wait: "waiting",
  plugged: "Car plugged in",
  unplugged: "No car",
};

type Strings = typeof en;

const sv: Strings = {
  no_chargers: "Inga laddare än: lägg till en under Inställningar, Enheter och tjänster.",
  chargers: "Laddare",
  all_chargers: "Alla laddare",
  charger_gone: "Den här laddaren finns inte längre i Home Assistant.",
  no_connectors: "Laddaren har inte rapporterat sina uttag än.",
  charger: "Laddare",
  power: "Effekt",
  session: "Session",
  battery: "Batteri",
  mode: "Laddläge",
  limit: "Strömgräns",
  applied: "Tillämpad",
  obeys: "Laddaren följer",
  obeys_yes: "laddaren följer",
  obeys_no: "laddaren följer inte",
  obeys_unknown: "inte rapporterat",
  solar_share: "Solandel",
  reason: "Varför",
  plan: "Billigaste plan",
  plan_charge: "laddar",
  plan_wait: "väntar",
  plugged: "Bil ansluten",
  unplugged: "Ingen bil",
};

const LANGUAGES: Record<string, Strings> = { en, sv };

export type StringKey = keyof Strings;

/** The card's strings in the user's language (English when the card has none in it). */
export function strings(language: string | undefined): Strings {
  const base = (language ?? "en").split("-")[0].toLowerCase();
  return LANGUAGES[base] ?? en;
}
