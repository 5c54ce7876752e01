// The loyalty widget ("Webfloating", seed 004): a floating button on the merchant's site
// that opens the signed-in member's wallet. One ES module, no framework, no build step.
//
//   <script type="module" src="https://loyalty.example/widget.js"></script>
//   <loyalty-widget shop="SHOP_ID" token="MEMBER_TOKEN" lang="vi"></loyalty-widget>
//
// The token is a member session (`createMemberSession`), never a shop key: it sees one
// member. The API is the widget's own origin unless `api` names another GraphQL URL.

const TEXT = {
  vi: {
    open: "Ưu đãi thành viên",
    close: "Đóng",
    loading: "Đang tải…",
    points: "Điểm",
    available: "Có thể dùng",
    pending: "Đang chờ",
    expiring: (p, d) => `${p} điểm hết hạn ngày ${d}`,
    tier: "Hạng",
    toNext: (v, t) => `Còn ${v} để lên hạng ${t}`,
    topTier: "Bạn đang ở hạng cao nhất",
    vouchers: "Ưu đãi của bạn",
    noVouchers: "Bạn chưa có ưu đãi nào.",
    expires: (d) => `HSD: ${d}`,
    noExpiry: "Không thời hạn",
    copy: "Sao chép mã",
    copied: "Đã chép",
    rewards: "Đổi điểm lấy quà",
    noRewards: "Chưa có quà để đổi.",
    cost: (p) => `${p} điểm`,
    redeem: "Đổi",
    redeeming: "Đang đổi…",
    redeemed: (c) => `Đã đổi! Mã của bạn: ${c}`,
    orders: "Đơn hàng gần đây",
    noOrders: "Chưa có đơn hàng.",
    earned: (p) => `+${p} điểm`,
    signIn: "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.",
    denied: "Không thể hiển thị ưu đãi trên trang này.",
    failed: "Không tải được thông tin thành viên. Vui lòng thử lại sau.",
    short: "Bạn không đủ điểm để đổi quà này.",
    soldOut: "Quà này đã hết.",
    retry: "Thử lại",
  },
  en: {
    open: "Member rewards",
    close: "Close",
    loading: "Loading…",
    points: "Points",
    available: "Available",
    pending: "Pending",
    expiring: (p, d) => `${p} points expire on ${d}`,
    tier: "Tier",
    toNext: (v, t) => `${v} more to reach ${t}`,
    topTier: "You are in the top tier",
    vouchers: "Your offers",
    noVouchers: "You have no offers yet.",
    expires: (d) => `Valid until ${d}`,
    noExpiry: "No expiry",
    copy: "Copy code",
    copied: "Copied",
    rewards: "Redeem your points",
    noRewards: "No rewards to redeem yet.",
    cost: (p) => `${p} points`,
    redeem: "Redeem",
    redeeming: "Redeeming…",
    redeemed: (c) => `Redeemed! Your code: ${c}`,
    orders: "Recent orders",
    noOrders: "No orders yet.",
    earned: (p) => `+${p} points`,
    signIn: "Your session has expired: please sign in again.",
    denied: "Rewards cannot be shown on this page.",
    failed: "Your member details could not be loaded. Please try again later.",
    short: "You do not have enough points for this reward.",
    soldOut: "This reward is no longer available.",
    retry: "Try again",
  },
};

const WALLET = `query Wallet {
  me {
    name
    tier { name }
    nextTier { name minSpend }
    progress { rankingSpend spendToNextTier }
    points { available pending expiringSoon { points at } }
    vouchers(status: USABLE, first: 20) { edges { node { code expiresAt offer { name description imageUrl } } } }
    orders(first: 5) { edges { node { externalId placedAt total pointsEarned } } }
  }
  myRewards { id name pointsCost affordable offer { description imageUrl } }
  widgetSettings { theme { primaryColor position title } }
}`;

const REDEEM = `mutation Redeem($reward: ID!, $key: String!) {
  redeemMyReward(rewardId: $reward, idempotencyKey: $key) { code }
}`;

/** Fired on the element (bubbling out of the shadow root) when the token is refused. */
export const SESSION_EXPIRED = "loyalty-session-expired";

/** An error the widget shows as a sentence: `kind` picks it. */
class WidgetError extends Error {
  constructor(kind) {
    super(kind);
    this.kind = kind;
  }
}

const STYLE = `
:host { all: initial; position: fixed; right: 16px; bottom: 16px; z-index: 2147483000;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  --accent: #d0021b; }
* { box-sizing: border-box; }
button { font: inherit; cursor: pointer; }
.fab { border: 0; border-radius: 999px; padding: 12px 18px; background: var(--accent);
  color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); font-weight: 600; }
.panel { position: fixed; right: 16px; bottom: 72px; width: min(360px, calc(100vw - 32px));
  max-height: min(600px, calc(100vh - 96px)); overflow-y: auto; overflow-x: hidden;
  background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); }
.panel[hidden] { display: none; }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 16px;
  background: var(--accent); color: #fff; }
header h2 { margin: 0; font-size: 16px; overflow-wrap: anywhere; }
header button { border: 0; background: transparent; color: #fff; font-size: 20px; }
section { padding: 12px 16px; border-bottom: 1px solid #eee; }
section h3 { margin: 0 0 8px; font-size: 13px; text-transform: uppercase; color: #57606a; }
.bar { height: 8px; background: #eee; border-radius: 4px; overflow: hidden; margin: 6px 0; }
.bar > div { height: 100%; background: var(--accent); }
.big { font-size: 24px; font-weight: 700; }
.muted { color: #57606a; font-size: 12px; }
.row { display: flex; gap: 10px; align-items: center; margin: 8px 0; }
.row img { width: 56px; height: 56px; border-radius: 6px; object-fit: cover; flex: none; }
.row .grow { flex: 1; min-width: 0; overflow-wrap: anywhere; }
.row button { border: 1px solid var(--accent); background: #fff; color: var(--accent);
  border-radius: 6px; padding: 4px 8px; flex: none; }
.row button:disabled { opacity: .5; cursor: default; }
code { font-weight: 700; }
.error { padding: 16px; color: #8a1c1c; }
.notice { padding: 8px 16px; background: #f0fff4; color: #1a7f37; }
`;

function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

/** `150000` -> `150.000 ₫`, as Vietnamese shoppers read prices. */
export function vnd(amount) {
  const n = Math.round(Number(amount) || 0);
  return `${new Intl.NumberFormat("vi-VN").format(n)} ₫`;
}

function number(n, lang) {
  return new Intl.NumberFormat(lang === "en" ? "en-US" : "vi-VN").format(Number(n) || 0);
}

function day(iso, lang) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleDateString(lang === "en" ? "en-GB" : "vi-VN");
}

function nodes(connection) {
  return (connection?.edges ?? []).map((e) => e.node);
}

/** Maps a GraphQL answer's first error to what the member is told. */
function failure(errors) {
  const code = errors?.[0]?.extensions?.code;
  if (code === "UNAUTHENTICATED") return new WidgetError("signIn");
  if (code === "FORBIDDEN") return new WidgetError("denied");
  if (code === "INSUFFICIENT_POINTS") return new WidgetError("short");
  if (code === "CONFLICT" || code === "OUT_OF_STOCK") return new WidgetError("soldOut");
  return new WidgetError("failed");
}

class LoyaltyWidget extends HTMLElement {
  static get observedAttributes() {
    return ["token", "lang"];
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.open = false;
    this.notice = "";
  }

  get lang() {
    return this.getAttribute("lang") === "en" ? "en" : "vi";
  }

  get t() {
    return TEXT[this.lang];
  }

  get endpoint() {
    return this.getAttribute("api") || new URL("/graphql", import.meta.url).href;
  }

  connectedCallback() {
    this.render();
  }

  attributeChangedCallback() {
    if (this.isConnected) {
      this.state = undefined;
      this.render();
      if (this.open) this.load();
    }
  }

  async request(query, variables) {
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.getAttribute("token") || ""}`,
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      // A refused CORS preflight looks like a network error to the page.
      throw new WidgetError("denied");
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new WidgetError(response.status === 401 ? "signIn" : "failed");
    }
    if (body.errors?.length) throw failure(body.errors);
    if (!response.ok) throw new WidgetError(response.status === 401 ? "signIn" : "failed");
    return body.data;
  }

  async load() {
    this.state = { loading: true };
    this.render();
    try {
      const data = await this.request(WALLET, {});
      if (!data?.me) throw new WidgetError("signIn");
      this.state = { data };
      this.theme = data.widgetSettings?.theme ?? this.theme;
    } catch (e) {
      this.fail(e);
    }
    this.render();
  }

  fail(e) {
    const kind = e instanceof WidgetError ? e.kind : "failed";
    this.state = { error: kind };
    if (kind === "signIn") {
      this.dispatchEvent(new CustomEvent(SESSION_EXPIRED, { bubbles: true, composed: true }));
    }
  }

  async redeem(button) {
    const reward = button.dataset.reward;
    // One key per press: a retry of this press is recognised, a new press is a new redemption.
    const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
    button.disabled = true;
    button.textContent = this.t.redeeming;
    try {
      const data = await this.request(REDEEM, { reward, key });
      this.notice = this.t.redeemed(data.redeemMyReward.code);
      await this.load();
    } catch (e) {
      const kind = e instanceof WidgetError ? e.kind : "failed";
      if (kind === "short" || kind === "soldOut") {
        this.notice = this.t[kind];
        await this.load();
      } else {
        this.fail(e);
        this.render();
      }
    }
  }

  async copy(button) {
    const code = button.dataset.code;
    try {
      await navigator.clipboard.writeText(code);
    } catch {
      // Clipboard refused (insecure page): the code stays visible to copy by hand.
    }
    button.textContent = this.t.copied;
  }

  toggle() {
    this.open = !this.open;
    this.render();
    if (this.open && !this.state?.data) this.load();
  }

  /** The shop's colour and corner (`configureWidget`), once the wallet has loaded. */
  themeStyle() {
    const theme = this.theme ?? {};
    const color = /^#[0-9a-fA-F]{6}$/.test(theme.primaryColor ?? "") ? theme.primaryColor : "";
    const left = theme.position === "BOTTOM_LEFT";
    return `:host { ${color ? `--accent: ${color};` : ""} ${left ? "right: auto; left: 16px;" : ""} }
      ${left ? ".panel { right: auto; left: 16px; }" : ""}`;
  }

  render() {
    const t = this.t;
    const title = this.theme?.title || t.open;
    this.root.innerHTML = `<style>${STYLE}${this.themeStyle()}</style>
      <button class="fab" part="button" aria-expanded="${this.open}">${escape(title)}</button>
      <div class="panel" part="panel" role="dialog" aria-label="${escape(t.open)}" ${this.open ? "" : "hidden"}>
        ${this.open ? this.body() : ""}
      </div>`;
    this.root.querySelector(".fab").addEventListener("click", () => this.toggle());
    this.root.querySelector("header button")?.addEventListener("click", () => this.toggle());
    this.root.querySelector("[data-retry]")?.addEventListener("click", () => this.load());
    for (const b of this.root.querySelectorAll("[data-reward]")) {
      b.addEventListener("click", () => this.redeem(b));
    }
    for (const b of this.root.querySelectorAll("[data-code]")) {
      b.addEventListener("click", () => this.copy(b));
    }
  }

  body() {
    const t = this.t;
    const state = this.state ?? { loading: true };
    const head = (title) =>
      `<header><h2>${escape(title)}</h2><button aria-label="${escape(t.close)}">×</button></header>`;
    if (state.loading) return `${head(t.open)}<div class="error" data-state="loading">${escape(t.loading)}</div>`;
    if (state.error) {
      const retry = state.error === "failed" ? `<button data-retry>${escape(t.retry)}</button>` : "";
      return `${head(t.open)}<div class="error" data-state="error" data-error="${state.error}">${escape(t[state.error])} ${retry}</div>`;
    }
    const { me, myRewards } = state.data;
    const notice = this.notice ? `<div class="notice" data-notice>${escape(this.notice)}</div>` : "";
    this.notice = "";
    return `${head(me.name || t.open)}${notice}
      ${this.tierSection(me)}${this.pointsSection(me)}${this.vouchersSection(me)}
      ${this.rewardsSection(myRewards ?? [], me)}${this.ordersSection(me)}`;
  }

  tierSection(me) {
    const t = this.t;
    const spent = Number(me.progress?.rankingSpend ?? 0);
    const left = Number(me.progress?.spendToNextTier ?? 0);
    const share = me.nextTier ? Math.min(100, Math.round((spent / Math.max(spent + left, 1)) * 100)) : 100;
    const next = me.nextTier ? t.toNext(vnd(left), escape(me.nextTier.name)) : t.topTier;
    return `<section data-section="tier"><h3>${escape(t.tier)}</h3>
      <div class="big" data-tier>${escape(me.tier?.name ?? "")}</div>
      <div class="bar" role="progressbar" aria-valuenow="${share}" aria-valuemin="0" aria-valuemax="100"><div style="width:${share}%"></div></div>
      <div class="muted" data-next>${next}</div></section>`;
  }

  pointsSection(me) {
    const t = this.t;
    const p = me.points ?? {};
    const soon = (p.expiringSoon ?? [])
      .map((e) => `<div class="muted" data-expiring>${escape(t.expiring(number(e.points, this.lang), day(e.at, this.lang)))}</div>`)
      .join("");
    return `<section data-section="points"><h3>${escape(t.points)}</h3>
      <div class="big" data-available>${number(p.available, this.lang)}</div>
      <div class="muted">${escape(t.available)} · ${escape(t.pending)}: <span data-pending>${number(p.pending, this.lang)}</span></div>
      ${soon}</section>`;
  }

  vouchersSection(me) {
    const t = this.t;
    const list = nodes(me.vouchers);
    const rows = list
      .map(
        (v) => `<div class="row" data-voucher="${escape(v.code)}">
          ${v.offer?.imageUrl ? `<img src="${escape(v.offer.imageUrl)}" alt="" width="500" height="500">` : ""}
          <div class="grow"><div><strong>${escape(v.offer?.name)}</strong></div>
            <div class="muted">${escape(v.offer?.description ?? "")}</div>
            <div class="muted">${escape(v.expiresAt ? t.expires(day(v.expiresAt, this.lang)) : t.noExpiry)}</div>
            <code>${escape(v.code)}</code></div>
          <button data-code="${escape(v.code)}">${escape(t.copy)}</button></div>`,
      )
      .join("");
    return `<section data-section="vouchers"><h3>${escape(t.vouchers)}</h3>${rows || `<div class="muted">${escape(t.noVouchers)}</div>`}</section>`;
  }

  rewardsSection(rewards) {
    const t = this.t;
    const rows = rewards
      .map(
        (r) => `<div class="row" data-reward-row="${escape(r.id)}">
          ${r.offer?.imageUrl ? `<img src="${escape(r.offer.imageUrl)}" alt="" width="500" height="500">` : ""}
          <div class="grow"><div><strong>${escape(r.name)}</strong></div>
            <div class="muted">${escape(t.cost(number(r.pointsCost, this.lang)))}</div></div>
          ${r.affordable ? `<button data-reward="${escape(r.id)}">${escape(t.redeem)}</button>` : ""}</div>`,
      )
      .join("");
    return `<section data-section="rewards"><h3>${escape(t.rewards)}</h3>${rows || `<div class="muted">${escape(t.noRewards)}</div>`}</section>`;
  }

  ordersSection(me) {
    const t = this.t;
    const rows = nodes(me.orders)
      .map(
        (o) => `<div class="row" data-order="${escape(o.externalId)}"><div class="grow">
          <div>${escape(day(o.placedAt, this.lang))} · ${escape(vnd(o.total))}</div></div>
          <span class="muted">${escape(t.earned(number(o.pointsEarned, this.lang)))}</span></div>`,
      )
      .join("");
    return `<section data-section="orders"><h3>${escape(t.orders)}</h3>${rows || `<div class="muted">${escape(t.noOrders)}</div>`}</section>`;
  }
}

if (!customElements.get("loyalty-widget")) {
  customElements.define("loyalty-widget", LoyaltyWidget);
}
