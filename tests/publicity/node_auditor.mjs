// An outside auditor's verifier, written from docs/verification.md and docs/checkpoints.md
// alone, without reading Jifen's code. Node 18+, no packages. tests/publicity/
// test_node_auditor.py runs it against a live server; it is also a tool:
//   node node_auditor.mjs BASE COMMUNITY COUNTY DIR [PHONE PASSWORD]
// BASE: https://host/api/v1. It rebuilds every published month of COMMUNITY from its
// public entries (root, totals, seal, the chain), checks PHONE's proof of the latest month
// against the public lines, checks the county's checkpoint and that it holds each seal,
// the published keys, any signed copy kept in DIR (signed-*.json), and that today's
// checkpoint extends the last one kept in DIR (naming each entry that changed); then keeps
// it. Exit 0 all well, 1 something is wrong, 2 it could not run.
import { createHash, createPublicKey, verify as edVerify } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [BASE, COMMUNITY, COUNTY, DIR, PHONE, PASSWORD] = process.argv.slice(2);
const problems = [];
let checks = 0;
const check = (ok, what) => {
  checks += 1;
  if (!ok) problems.push(what);
  console.log((ok ? "ok    " : "WRONG ") + what);
  return ok;
};

const H = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
const hexH = (text) => createHash("sha256").update(text, "utf8").digest("hex");
const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function get(url, headers = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

// §2 encoding: JSON.stringify writes exactly the compact form for the values that occur.
const FIELDS = ["transfer", "date", "debit", "credit", "amount", "kind", "item", "service_date", "reverses", "private"];
const TOTALS = ["issued", "redeemed", "expired", "entries", "transfers", "people"];
const KINDS = ["award", "bonus", "redemption", "refund", "reversal", "adjustment", "expiry", "settlement", "imported"];
const ACCOUNT = /^(person|organization|merchant|issuer|shop|settlement|expiry):(#\d+|\d+)$/;

function lineProblems(line) {
  const out = [];
  const int = (v) => Number.isSafeInteger(v);
  if (!int(line.transfer) || line.transfer < 1) out.push("transfer");
  if (typeof line.date !== "string" || !DATE.test(line.date)) out.push("date");
  if (typeof line.debit !== "string" || !ACCOUNT.test(line.debit)) out.push("debit");
  if (typeof line.credit !== "string" || !ACCOUNT.test(line.credit)) out.push("credit");
  if (!int(line.amount) || line.amount <= 0) out.push("amount");
  if (!KINDS.includes(line.kind)) out.push("kind");
  if (typeof line.item !== "string") out.push("item");
  if (line.service_date !== null && (typeof line.service_date !== "string" || !DATE.test(line.service_date))) out.push("service_date");
  if (line.reverses !== null && !int(line.reverses)) out.push("reverses");
  if (typeof line.private !== "string" || !HEX64.test(line.private)) out.push("private");
  const extra = Object.keys(line).filter((k) => !FIELDS.includes(k));
  if (extra.length) out.push("extra fields " + extra.join(","));
  return out;
}

const entryText = (line) => JSON.stringify(FIELDS.map((f) => line[f]));
const leafOf = (text) => H(Buffer.from([0]), Buffer.from(text, "utf8"));

function rootOf(leaves) {
  if (leaves.length === 0) return H(Buffer.alloc(0));
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(H(Buffer.from([1]), level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

function totalsOf(lines) {
  const t = Object.fromEntries(TOTALS.map((k) => [k, 0]));
  const holders = new Set();
  for (const l of lines) {
    const d = l.debit.split(":")[0];
    const c = l.credit.split(":")[0];
    t.issued += l.amount * ((d === "issuer") - (c === "issuer"));
    t.redeemed += l.amount * ((l.kind === "redemption") - (l.kind === "refund"));
    t.expired += l.amount * (l.kind === "expiry");
    const isHolder = (k) => k === "person" || k === "organization";
    const holder = isHolder(c) ? l.credit : isHolder(d) ? l.debit : null;
    if (holder !== null) {
      t.entries += 1;
      holders.add(holder);
    }
  }
  t.transfers = lines.length;
  t.people = holders.size;
  return t;
}

const totalsLine = (t) => TOTALS.map((k) => `${k}=${t[k]}`).join(" ");
function sealOf(version, community, month, count, root, previous, totals) {
  const lines = [version, community, month, String(count), root, previous];
  if (version === "jifen-seal-v2") lines.push(totalsLine(totals));
  return hexH(lines.join("\n"));
}

function sides(index, count) {
  const out = [];
  for (let i = index, w = count; w > 1; i = Math.floor(i / 2), w = Math.ceil(w / 2)) {
    if (i % 2 === 1) out.push("L");
    else if (i + 1 < w) out.push("R");
  }
  return out;
}

// ---- 1. the list of published months, the chain ----
async function months(community) {
  const all = [];
  for (let offset = 0; ; ) {
    const page = await get(`${BASE}/public/announcements?community=${community}&limit=50&offset=${offset}`);
    all.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.count) break;
  }
  return all;
}

// ---- 2. rebuild one month ----
async function rebuild(id, listed) {
  const first = await get(`${BASE}/public/announcements/${id}/entries?page=1`);
  const lines = [...first.lines];
  for (let n = 2; n <= first.pages; n++) lines.push(...(await get(`${BASE}/public/announcements/${id}/entries?page=${n}`)).lines);
  const tag = `${first.community} ${first.month}`;
  check(first.community === listed.community && first.month === listed.month, `${tag}: entries name the listed community and month`);
  check(JSON.stringify(first.fields) === JSON.stringify(FIELDS), `${tag}: fields in the documented order`);
  if (first.version !== "jifen-seal-v2" || !first.rebuildable) {
    console.log(`${tag}: ${first.version}, not rebuildable in public`);
    return first;
  }
  const bad = lines.map((l) => [l.transfer, lineProblems(l)]).filter(([, p]) => p.length);
  check(bad.length === 0, `${tag}: every line well formed ${bad.length ? JSON.stringify(bad.slice(0, 3)) : ""}`);
  const ids = lines.map((l) => l.transfer);
  check(ids.every((v, i) => i === 0 || v > ids[i - 1]), `${tag}: lines in strictly ascending transfer`);
  check(lines.length === first.count, `${tag}: ${lines.length} lines, count ${first.count}`);
  const root = rootOf(lines.map((l) => leafOf(entryText(l)))).toString("hex");
  check(root === first.root, `${tag}: root rebuilt ${root.slice(0, 12)}`);
  const totals = totalsOf(lines);
  check(TOTALS.every((k) => totals[k] === first.totals[k]), `${tag}: totals ${totalsLine(totals)}`);
  const seal = sealOf(first.version, first.community, first.month, lines.length, root, first.previous_seal, totals);
  check(seal === first.seal, `${tag}: seal rebuilt ${seal.slice(0, 12)}`);
  check(seal === listed.seal.seal && root === listed.seal.root && listed.seal.count === lines.length,
    `${tag}: the list's seal object agrees`);
  check(TOTALS.every((k) => listed.totals[k] === totals[k]), `${tag}: the list's totals agree`);
  return { ...first, lines };
}

// ---- 3. a proof ----
async function proof(id, published, entriesById) {
  const tok = await fetch(`${BASE}/auth/token`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ phone: PHONE, password: PASSWORD }),
  });
  const { token } = await tok.json();
  const doc = await get(`${BASE}/public/announcements/${id}/proof`, { Authorization: `Bearer ${token}` });
  const tag = `proof ${doc.community} ${doc.month}`;
  const v2 = doc.version === "jifen-seal-v2";
  const seal = sealOf(doc.version, doc.community, doc.month, doc.count, doc.root, doc.previous_seal, doc.totals);
  check(seal === doc.seal, `${tag}: seal follows`);
  check(doc.seal === published.seal, `${tag}: seal is the published one`);
  console.log(`${tag}: ${doc.entries.length} entries of ${PHONE}`);
  for (const e of doc.entries) {
    let node = leafOf(e.entry);
    const okHex = e.path.every(([s, sib]) => (s === "L" || s === "R") && HEX64.test(sib));
    for (const [side, sib] of e.path) {
      const s = Buffer.from(sib, "hex");
      node = side === "L" ? H(Buffer.from([1]), s, node) : H(Buffer.from([1]), node, s);
    }
    const idxOk = Number.isSafeInteger(e.index) && e.index >= 0 && e.index < doc.count;
    const sidesOk = JSON.stringify(e.path.map((p) => p[0])) === JSON.stringify(sides(e.index, doc.count));
    let ok = okHex && idxOk && sidesOk && node.toString("hex") === doc.root;
    if (v2) {
      ok = ok && HEX32.test(e.salt) &&
        H(Buffer.from(e.salt, "hex"), Buffer.from(e.private, "utf8")).toString("hex") === JSON.parse(e.entry)[9];
      // the entry is the public line of that transfer, at that place
      const line = entriesById.get(e.transfer);
      ok = ok && line !== undefined && entryText(line) === e.entry && published.lines.indexOf(line) === e.index;
    }
    check(ok, `${tag}: transfer ${e.transfer} (index ${e.index}, sides ${e.path.map((p) => p[0]).join("")})`);
  }
  // a tampered proof must fail
  const e0 = doc.entries[0];
  if (e0 === undefined) return doc;
  const forged = e0.entry.replace(/,(\d+),"/, (m, n) => `,${Number(n) + 100},"`);
  let node = leafOf(forged);
  for (const [side, sib] of e0.path) {
    const s = Buffer.from(sib, "hex");
    node = side === "L" ? H(Buffer.from([1]), s, node) : H(Buffer.from([1]), node, s);
  }
  check(node.toString("hex") !== doc.root, `${tag}: an amount changed by 100 no longer climbs to the root`);
  return doc;
}

// ---- 4. the checkpoint ----
const CP_FIELDS = ["community", "kind", "period", "subject", "count", "root", "seal"];
const chainOf = (prev, e) => hexH(["jifen-checkpoint-v1", prev, CP_FIELDS.map((f) => String(e[f])).join("\t")].join("\n"));

function checkpointOk(doc) {
  if (doc.version !== "jifen-checkpoint-v1") return "version";
  if (!Array.isArray(doc.entries) || doc.entries.length !== doc.size) return "size";
  let prev = "";
  for (const [i, e] of doc.entries.entries()) {
    if (e.index !== i) return `entry ${i} out of place`;
    for (const f of CP_FIELDS) if (/[\t\r\n]/.test(String(e[f]))) return `entry ${i}: control character`;
    prev = chainOf(prev, e);
    if (e.chain !== prev) return `entry ${i}: chain`;
  }
  return prev === doc.head ? null : "head";
}
const extendsOld = (next, old) => next.region === old.region && next.size >= old.size &&
  (old.size === 0 || next.entries[old.size - 1].chain === old.head);

function compare(next, old) {
  // Name what changed: each old entry that is not the same any more.
  const out = [];
  for (const e of old.entries) {
    const n = next.entries[e.index];
    if (!n) out.push(`${e.community} ${e.kind} ${e.period}${e.subject ? " #" + e.subject : ""}: gone`);
    else if (CP_FIELDS.some((f) => n[f] !== e[f]))
      out.push(`${e.community} ${e.kind} ${e.period}${e.subject ? " #" + e.subject : ""}: seal ${e.seal.slice(0, 8)} now ${n.seal.slice(0, 8)}`);
  }
  return out;
}

async function main() {
  const list = await months(COMMUNITY);
  const asc = [...list].sort((a, b) => (a.month < b.month ? -1 : 1));
  let previous = "";
  let prevMonth = null;
  for (const a of asc) {
    check(a.seal.previous_seal === previous, `chain ${a.community} ${a.month}: previous seal is ${prevMonth ?? "empty (first)"}`);
    previous = a.seal.seal;
    prevMonth = a.month;
  }
  const rebuilt = [];
  for (const a of asc) rebuilt.push(await rebuild(a.id, a));

  const latest = rebuilt[rebuilt.length - 1];
  if (PHONE) {
    const byId = new Map(latest.lines.map((l) => [l.transfer, l]));
    await proof(asc[asc.length - 1].id, latest, byId);
  }

  const raw = Buffer.from(await (await fetch(`${BASE}/public/checkpoints/${COUNTY}`)).arrayBuffer());
  const cp = JSON.parse(raw.toString("utf8"));
  const why = checkpointOk(cp);
  check(why === null, `checkpoint ${COUNTY} size ${cp.size}: chain adds up ${why ?? ""}`);
  for (const a of asc) {
    const w = cp.entries.filter((e) => e.kind === "month" && e.community === a.community && e.period === a.month);
    check(w.length === 1 && w[0].seal === a.seal.seal && w[0].root === a.seal.root && w[0].count === a.seal.count,
      `checkpoint holds ${a.community} ${a.month} with its seal`);
  }
  const gaps = (cp.gaps ?? []).filter((g) => g.community === COMMUNITY);
  console.log(`gaps of ${COMMUNITY}: ${JSON.stringify(gaps)}`);

  // keys
  const keys = await get(`${BASE}/public/checkpoints/${COUNTY}/keys`);
  for (const k of keys.keys) {
    const pub = createPublicKey(k.public_key);
    const rawKey = pub.export({ format: "der", type: "spki" }).subarray(-32);
    check(H(rawKey).toString("hex") === k.fingerprint, `key ${k.fingerprint.slice(0, 12)}: fingerprint of its raw key`);
  }

  fs.mkdirSync(DIR, { recursive: true });
  const kept = fs.readdirSync(DIR).filter((n) => n.startsWith(`checkpoint-${COUNTY}-`)).sort(
    (a, b) => Number(a.split("-").pop().slice(0, -5)) - Number(b.split("-").pop().slice(0, -5)));
  if (kept.length) {
    const old = JSON.parse(fs.readFileSync(path.join(DIR, kept.at(-1)), "utf8"));
    const ext = extendsOld(cp, old);
    check(ext, `checkpoint ${COUNTY} extends the kept ${kept.at(-1)}`);
    for (const line of compare(cp, old)) console.log("CHANGED " + line);
    if (!ext) fs.writeFileSync(path.join(DIR, `REWRITTEN-${COUNTY}-${cp.size}.json`), raw);
  }
  if (why === null && (kept.length === 0 || problems.length === 0)) fs.writeFileSync(path.join(DIR, `checkpoint-${COUNTY}-${cp.size}.json`), raw);

  // signed copies kept in DIR (signed-*.json)
  for (const n of fs.readdirSync(DIR).filter((f) => f.startsWith("signed-"))) {
    const doc = JSON.parse(fs.readFileSync(path.join(DIR, n), "utf8"));
    const k = keys.keys.find((x) => x.fingerprint === doc.key);
    const { signature, ...unsigned } = doc;
    const canonical = (v) => Array.isArray(v) ? `[${v.map(canonical).join(",")}]`
      : v !== null && typeof v === "object"
        ? `{${Object.keys(v).sort().map((key) => JSON.stringify(key) + ":" + canonical(v[key])).join(",")}}`
        : JSON.stringify(v);
    const ok = k !== undefined && edVerify(null, Buffer.from(canonical(unsigned), "utf8"), createPublicKey(k.public_key), Buffer.from(signature, "base64"));
    check(ok, `signed copy ${n}: signature verifies`);
  }

  console.log(`${checks} checks, ${problems.length} wrong`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => {
  console.error("error:", err.message);
  process.exit(2);
});
