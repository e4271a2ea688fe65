// An OCPP 1.6 charge point built on ocpp-rpc in strict mode: an independent implementation that
// validates every message both ways against the official OCA JSON schemas.
//
// Usage: node strict_charger.js <endpoint, e.g. ws://127.0.0.1:9000/ocpp> <identity>
// Optional env STRICT_CONFIG: JSON object of configuration keys GetConfiguration reports.
//
// Prints one JSON object per line on stdout:
//   {"type":"ready"}                                 booted (BootNotification accepted)
//   {"type":"call","method":M,"params":P}            a call from the central system, schema-valid
//   {"type":"invalid","method":M,"outbound":B,...}   a message that failed the schema (either way)
//   {"type":"result"|"error","id":N,...}              the answer to a call asked for on stdin
// Reads JSON lines on stdin: {"id":N,"method":M,"params":P} makes the charger send that call.
"use strict";

const readline = require("node:readline");
const { RPCClient } = require("ocpp-rpc");

const [endpoint, identity] = process.argv.slice(2);
const config = JSON.parse(process.env.STRICT_CONFIG || "null") || {
    ChargeProfileMaxStackLevel: "8",
    ChargingScheduleAllowedChargingRateUnit: "Current",
    ChargingScheduleMaxPeriods: "24",
    SupportedFeatureProfiles: "Core,SmartCharging,RemoteTrigger",
    NumberOfConnectors: "1",
    GetConfigurationMaxKeys: "20",
};

function emit(line) {
    process.stdout.write(JSON.stringify(line) + "\n");
}

const answers = {
    GetConfiguration: ({ params }) => {
        const keys = params.key && params.key.length ? params.key : Object.keys(config);
        return {
            configurationKey: keys
                .filter((key) => key in config)
                .map((key) => ({ key, readonly: true, value: config[key] })),
            unknownKey: keys.filter((key) => !(key in config)),
        };
    },
    GetCompositeSchedule: () => ({ status: "Rejected" }),
    GetLocalListVersion: () => ({ listVersion: 0 }),
    GetDiagnostics: () => ({}),
    UpdateFirmware: () => ({}),
    UnlockConnector: () => ({ status: "Unlocked" }),
};

const client = new RPCClient({
    endpoint,
    identity,
    protocols: ["ocpp1.6"],
    strictMode: true,
    reconnect: false,
});

client.on("strictValidationFailure", (failure) => {
    emit({
        type: "invalid",
        method: failure.method,
        outbound: failure.outbound,
        isCall: failure.isCall,
        params: failure.params,
        result: failure.result,
        error: String(failure.error && failure.error.message),
    });
});

client.handle((call) => {
    emit({ type: "call", method: call.method, params: call.params });
    const answer = answers[call.method];
    return answer ? answer(call) : { status: "Accepted" };
});

client.on("close", () => process.exit(0));

async function main() {
    await client.connect();
    const boot = await client.call("BootNotification", {
        chargePointVendor: "StrictVendor",
        chargePointModel: "ocpp-rpc",
        firmwareVersion: "1.0.0",
    });
    if (boot.status !== "Accepted") {
        throw new Error(`Boot not accepted: ${boot.status}`);
    }
    await client.call("StatusNotification", {
        connectorId: 1,
        errorCode: "NoError",
        status: "Available",
    });
    emit({ type: "ready" });
    const input = readline.createInterface({ input: process.stdin });
    input.on("line", async (line) => {
        const request = JSON.parse(line);
        try {
            const result = await client.call(request.method, request.params);
            emit({ type: "result", id: request.id, result });
        } catch (err) {
            emit({ type: "error", id: request.id, error: String(err && err.message) });
        }
    });
    input.on("close", () => client.close());
}

main().catch((err) => {
    emit({ type: "fatal", error: String(err && err.stack) });
    process.exit(1);
});
