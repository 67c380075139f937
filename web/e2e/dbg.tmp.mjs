import { startKefu, apiClient, ADMIN, DEMO_INBOX } from "./harness.mjs";
const k = await startKefu({ bot: true });
try {
  const admin = await apiClient(k.origin, ADMIN);
  await admin.patch(`/inboxes/${DEMO_INBOX}`, { bot_enabled: true });
  const s = await (await fetch(`${k.origin}/api/v1/widget/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ inbox_id: DEMO_INBOX }) })).json();
  const auth = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
  let convId;
  for (const text of ["How do I reset my password?", "怎么重置密码", "How do I change my avatar picture?", "Can I export my conversation history?"]) {
    const r = await fetch(`${k.origin}/api/v1/widget/messages`, { method: "POST", headers: auth, body: JSON.stringify({ text, client_id: `m-${Math.random()}` }) });
    const b = await r.json(); convId = b.message?.conversation_id ?? convId;
    console.log(r.status, text);
    await new Promise((r) => setTimeout(r, 1500));
  }
  const m = await admin.get(`/conversations/${convId}/messages`);
  for (const x of m.items) console.log(x.sender.kind, JSON.stringify(x.content).slice(0, 300));
} catch (e) { console.log("ERR", e); } finally { console.log(k.log().slice(-4000)); await k.stop().catch(() => {}); }
