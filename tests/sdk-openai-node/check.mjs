// Drives a running router with the stock OpenAI Node SDK: streaming and plain chat, streaming completions,
// and an error. Exits non-zero on the first surprise. Usage: BASE=http://127.0.0.1:8001 node check.mjs
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: `${process.env.BASE}/v1`, apiKey: "unused", maxRetries: 0 });
const model = "llama31-8b";

const stream = await client.chat.completions.create({
  model, messages: [{ role: "user", content: "Hello" }], max_tokens: 8, stream: true,
  stream_options: { include_usage: true },
});
let text = "";
let usage = null;
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? "";
  usage = chunk.usage ?? usage;
}
assert.equal(text.split(" ").length, 8, `streamed text: ${text}`);
assert.equal(usage?.completion_tokens, 8);

const plain = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 4 });
assert.equal(plain.object, "chat.completion");
assert.equal(plain.usage.completion_tokens, 4);

const completion = await client.completions.create({ model, prompt: "Once", max_tokens: 3, stream: true });
let completionText = "";
for await (const chunk of completion) completionText += chunk.choices[0]?.text ?? "";
assert.equal(completionText.trim().split(" ").length, 3, `completion text: ${completionText}`);

await assert.rejects(
  client.chat.completions.create({ model: "no-such-model", messages: [] }),
  (error) => error instanceof OpenAI.NotFoundError && error.status === 404,
);

console.log("openai SDK check passed: streamed chat, plain chat, streamed completions, 404 error");
