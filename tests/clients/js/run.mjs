// The AWS SDK for JavaScript v3 runner of the three-clients scenario test.
//
//   node run.mjs <scenario.json> <endpoint-url> [account] [region]
//
// Executes every step of the scenario (see tests/clients/scenario.py for the format and
// for the same engine in Python: ${name} substitution, captures by dotted path) and prints
// {"vars": {...}, "steps": [{"id", "output"} | {"id", "error": {"code", "message"}}]}
// as JSON on stdout. Comparing and checking expectations is left to the Python side.
import { readFileSync } from "node:fs";

const [scenarioPath, endpoint, account = "123456789012", region = "us-east-1"] = process.argv.slice(2);
if (!scenarioPath || !endpoint) {
  console.error("usage: node run.mjs <scenario.json> <endpoint-url> [account] [region]");
  process.exit(2);
}

// botocore service name → the SDK package and its client class.
const SERVICES = {
  workmail: ["@aws-sdk/client-workmail", "WorkMailClient"],
  "sso-admin": ["@aws-sdk/client-sso-admin", "SSOAdminClient"],
  identitystore: ["@aws-sdk/client-identitystore", "IdentitystoreClient"],
};
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

const loaded = {};
async function service(name) {
  if (!loaded[name]) {
    const [pkg, clientClass] = SERVICES[name];
    const module = await import(pkg);
    const client = new module[clientClass]({
      endpoint,
      region,
      credentials: { accessKeyId: account, secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    loaded[name] = { module, client };
  }
  return loaded[name];
}

function substitute(value, vars) {
  if (typeof value === "string") {
    const whole = value.match(WHOLE_VARIABLE);
    if (whole && whole[1] in vars) return vars[whole[1]];
    return value.replace(VARIABLE, (text, name) => (name in vars ? String(vars[name]) : text));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

function pick(value, path) {
  for (const part of path.split(".")) {
    if (Array.isArray(value) && /^\d+$/.test(part) && Number(part) < value.length) value = value[Number(part)];
    else if (value !== null && typeof value === "object" && !Array.isArray(value) && part in value) value = value[part];
    else return null;
  }
  return value === undefined ? null : value;
}

async function callAws(serviceName, operation, input) {
  const { module, client } = await service(serviceName);
  const Command = module[`${operation}Command`];
  if (!Command) throw { name: "UnknownOperationInSdk", message: `${SERVICES[serviceName][0]} has no ${operation}Command` };
  const output = await client.send(new Command(input));
  delete output.$metadata;
  // Dates become ISO text, as JSON carries them; the Python side masks model timestamps.
  return JSON.parse(JSON.stringify(output));
}

async function callControl(method, path, body) {
  const response = await fetch(`${endpoint}/_workmail-local${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return [response.status, text ? JSON.parse(text) : {}];
}

const scenario = JSON.parse(readFileSync(scenarioPath, "utf8"));
const vars = {};
const steps = [];
for (const [index, step] of scenario.steps.entries()) {
  const given = substitute(step.input ?? {}, vars);
  const record = { id: step.id ?? `${index + 1}:${step.operation ?? step.control}` };
  try {
    if (step.control) {
      const [method, path] = step.control.split(" ");
      [record.status, record.output] = await callControl(method, path, given);
    } else {
      record.output = await callAws(step.service ?? "workmail", step.operation, given);
    }
  } catch (error) {
    record.error = { code: error.name ?? "Error", message: error.message ?? String(error) };
  }
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const captured = pick(record.output, path);
    if (captured !== null) vars[name] = captured;
  }
  steps.push(record);
}
process.stdout.write(JSON.stringify({ vars, steps }));
