// Renders translation strings the way Home Assistant's frontend does (intl-messageformat, tags on):
// a string the frontend cannot render shows as "Translation error: ..." in the UI.
//
// Usage: node render_strings.js <translations.json> [...]
// Prints one JSON object: {"checked": N, "failures": [{"file", "key", "error"}]}.
"use strict";

const fs = require("node:fs");
const { IntlMessageFormat } = require("intl-messageformat");

function* strings(node, path) {
    if (typeof node === "string") {
        yield [path, node];
    } else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
            yield* strings(value, path ? `${path}.${key}` : key);
        }
    }
}

// Every argument a message names, given a plain value, as the frontend's placeholders would be.
function argumentsOf(elements, into = {}) {
    for (const element of elements) {
        if (element.value !== undefined && typeof element.value === "string" && element.type !== 0) {
            into[element.value] = 1;
        }
        for (const option of Object.values(element.options || {})) {
            argumentsOf(option.value, into);
        }
        if (element.children) argumentsOf(element.children, into);
    }
    return into;
}

const failures = [];
let checked = 0;
for (const file of process.argv.slice(2)) {
    const language = file.replace(/^.*\//, "").replace(/\.json$/, "");
    for (const [key, text] of strings(JSON.parse(fs.readFileSync(file, "utf8")), "")) {
        checked += 1;
        try {
            const message = new IntlMessageFormat(text, language);
            message.format(argumentsOf(message.getAst()));
        } catch (error) {
            failures.push({ file, key, error: String(error.message || error).split("\n")[0] });
        }
    }
}
process.stdout.write(JSON.stringify({ checked, failures }) + "\n");
