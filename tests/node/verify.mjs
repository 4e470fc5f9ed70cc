// docs/webhooks.md's Node example, run by tests/integration/webhooks/test_node_verifier.py.
// stdin: {"secret", "body", "headers"}; prints the verified event's type, or exits 1.
import { Webhook } from "standardwebhooks";
import { readFileSync } from "node:fs";

const { secret, body, headers } = JSON.parse(readFileSync(0, "utf8"));
try {
  const event = new Webhook(secret).verify(body, headers);
  console.log(event.type);
} catch (error) {
  console.error(`rejected: ${error.message}`);
  process.exit(1);
}
