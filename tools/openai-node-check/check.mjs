import OpenAI from 'openai';
const c = new OpenAI({ baseURL: process.env.KNOB_SERVE_URL ?? 'http://127.0.0.1:8000/v1', apiKey: 'x', maxRetries: 0 });
const base = { model: 'tiny', messages: [{ role: 'user', content: 'Tell me about peers.' }], temperature: 0.9, seed: 4, max_tokens: 40 };
const whole = await c.chat.completions.create(base);
let text = '', chunks = 0, usage = null, finish = null, role = null;
const s = await c.chat.completions.create({ ...base, stream: true, stream_options: { include_usage: true } });
for await (const ch of s) { chunks++; if (ch.usage) usage = ch.usage; for (const x of ch.choices) { if (x.delta.role) role = x.delta.role; text += x.delta.content ?? ''; if (x.finish_reason) finish = x.finish_reason; } }
console.log('stream == whole:', text === whole.choices[0].message.content, 'chunks', chunks, 'role', role, 'finish', finish, 'usage', JSON.stringify(usage));
const two = await c.chat.completions.create({ ...base, n: 2 });
console.log('n=2 choices:', two.choices.length, 'differ:', two.choices[0].message.content !== two.choices[1].message.content);
const schema = { type: 'object', properties: { rating: { type: 'integer', minimum: 1, maximum: 7 }, reason: { type: 'string' } }, required: ['rating', 'reason'], additionalProperties: false };
let ok = 0;
for (let seed = 0; seed < 10; seed++) {
  const r = await c.chat.completions.create({ ...base, seed, max_tokens: 120, response_format: { type: 'json_schema', json_schema: { name: 'judge', strict: true, schema } } });
  const v = JSON.parse(r.choices[0].message.content);
  if (Number.isInteger(v.rating) && v.rating >= 1 && v.rating <= 7 && typeof v.reason === 'string' && Object.keys(v).length === 2) ok++;
}
console.log('json_schema valid:', ok, '/ 10');
try { await c.chat.completions.create({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: 'a+' } } } }); }
catch (e) { console.log('bad schema ->', e.status, e.message); }
try { await c.chat.completions.create({ ...base, n: 99 }); } catch (e) { console.log('n=99 ->', e.status, e.message); }
