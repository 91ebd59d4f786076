// The twinlake console: plain DOM, no framework. The key lives in this
// tab's sessionStorage only and goes out as a bearer header (or, for the
// chat socket, which cannot carry headers, as its `key` parameter).
"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const session = { key: sessionStorage.getItem("key") || "", user: sessionStorage.getItem("user") || "" };
window.tokensSeen = 0;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { authorization: "Bearer " + session.key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.status);
  return data;
}
const twin = (rest) => "/twin/" + encodeURIComponent(session.user) + rest;
const fail = (e) => { $("status").textContent = String(e.message || e); };

function show(tab) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === tab);
  for (const s of ["chat", "search", "profile", "memories"]) $(s).hidden = s !== tab;
  if (tab === "profile") loadProfile().catch(fail);
  if (tab === "memories") loadMemories().catch(fail);
}

async function signIn() {
  session.key = $("key").value.trim();
  session.user = $("user").value.trim();
  $("status").textContent = "";
  try {
    const listed = await api("GET", twin("/conversations?limit=50"));
    sessionStorage.setItem("key", session.key);
    sessionStorage.setItem("user", session.user);
    const select = $("conversations");
    select.length = 1;
    for (const c of listed.conversations) {
      const o = el("option", "", c.title + (c.status === "archived" ? " (archived)" : ""));
      o.value = c.id;
      select.append(o);
    }
    $("tabs").hidden = false;
    show("chat");
  } catch (e) { fail(e); }
}

// One socket per sign-in, opened on first use.
let socket = null;
let pending = null;
function connect() {
  if (socket && socket.readyState <= 1) return Promise.resolve(socket);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + twin("/chat/ws?key=" + encodeURIComponent(session.key)));
  socket.onmessage = (event) => pending && pending(JSON.parse(event.data));
  socket.onclose = () => { socket = null; };
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("the chat socket did not open"));
  });
}

function renderReply(node, reply) {
  node.textContent = "";
  const byN = new Map(reply.citations.map((c) => [String(c.n), c]));
  for (const part of reply.answer.split(/(\[\d+\])/)) {
    const cited = byN.get(part.slice(1, -1));
    if (cited && /^\[\d+\]$/.test(part)) {
      const a = el("a", "citation", part);
      a.onclick = () => { $("passage").textContent = cited.source.uri + "\n\n" + cited.quote; };
      node.append(a);
    } else node.append(document.createTextNode(part));
  }
  node.append(el("div", "by", "answered by " + reply.answered_by + " · used " +
    ["messages", "memories", "facts", "passages"].map((k) => reply.used[k].length + " " + k).join(", ")));
  const rate = el("div", "by");
  for (const rating of ["helpful", "incorrect", "insightful", "off_voice"]) {
    const b = el("button", "", rating.replace("_", "-"));
    b.onclick = () => api("POST", twin("/messages/" + reply.twin_turn.id + "/feedback"), { rating })
      .then(() => { rate.textContent = "rated " + rating; }).catch(fail);
    rate.append(b);
  }
  node.append(rate);
  node.classList.add("done");
}

async function send(event) {
  event.preventDefault();
  const message = $("message").value.trim();
  if (!message) return;
  $("message").value = "";
  const log = $("log");
  log.append(el("div", "turn user", message));
  const node = el("div", "turn reply");
  log.append(node);
  try {
    const ws = await connect();
    pending = (frame) => {
      if (frame.type === "token") { window.tokensSeen++; node.textContent += frame.text; }
      else if (frame.type === "restart") node.textContent = "";
      else if (frame.type === "done") {
        renderReply(node, frame);
        const select = $("conversations");
        if (![...select.options].some((o) => o.value === frame.conversation_id)) {
          const o = el("option", "", message.slice(0, 60));
          o.value = frame.conversation_id;
          select.append(o);
        }
        select.value = frame.conversation_id;
      } else if (frame.type === "error") { node.classList.add("error"); node.textContent = frame.error; }
    };
    const request = { message };
    if ($("conversations").value) request.conversation_id = $("conversations").value;
    ws.send(JSON.stringify(request));
  } catch (e) { node.textContent = String(e.message); node.classList.add("error"); }
}

async function find(event) {
  event.preventDefault();
  try {
    const found = await api("POST", twin("/search"), { query: $("query").value, k: 10, explain: true });
    const fill = (id, hits) => {
      $(id).textContent = "";
      for (const h of hits) {
        const d = el("div", "hit", h.score.toFixed(3) + "  " + h.text.slice(0, 240));
        d.onclick = () => { $("passage").textContent = h.source.uri + "\n\n" + h.text; };
        $(id).append(d);
      }
    };
    fill("bm25", found.bm25);
    fill("dense", found.dense);
    fill("fused", found.results);
  } catch (e) { fail(e); }
}

async function loadProfile() {
  const profile = await api("GET", twin("/profile"));
  const root = $("profile");
  root.textContent = "";
  for (const [section, items] of Object.entries(profile)) {
    if (!Array.isArray(items) || !items.length) continue;
    root.append(el("h3", "", section));
    for (const item of items) root.append(el("div", "hit", item.sentence || JSON.stringify(item)));
  }
}

async function loadMemories() {
  const listed = await api("GET", twin("/memories"));
  const root = $("memory-list");
  root.textContent = "";
  for (const m of listed.memories) {
    const d = el("div", "hit", m.kind + " · " + m.sentence + " (confidence " + m.confidence.toFixed(2) + ")");
    d.onclick = async () => {
      const h = await api("GET", twin("/memories/" + encodeURIComponent(m.memory_id) + "/history")).catch(fail);
      if (h) $("passage").textContent = h.history.map((v) => v.sentence).join("\n→ ");
    };
    root.append(d);
  }
}

$("key").value = session.key;
$("user").value = session.user;
$("signin").onclick = signIn;
$("ask").onsubmit = send;
$("find").onsubmit = find;
for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => show(b.dataset.tab);
$("conversations").onchange = () => { $("log").textContent = ""; };
