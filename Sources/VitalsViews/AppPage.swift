/// The MCP App's views: one self-contained HTML page per tool, which an MCP
/// Apps host (`io.modelcontextprotocol/ui`; `specification/2026-01-26/apps.mdx`
/// in modelcontextprotocol/ext-apps) loads into a sandboxed iframe and feeds
/// the tool's result.
///
/// A page holds no data: it speaks the view's side of the extension's
/// JSON-RPC over `postMessage` ("Transport Layer", "Lifecycle") —
/// `ui/initialize`, then `ui/notifications/initialized` — and draws the
/// `structuredContent` of each `ui/notifications/tool-result` the host
/// posts. It fetches nothing (inline script and style, no font, no image
/// URL: the spec's default CSP, `connect-src 'none'`, is all it needs),
/// builds the DOM with `textContent` only (an account name is never
/// markup), follows the host's theme and style variables ("Theming"), and
/// reports its height (`ui/notifications/size-changed`) so a host can fit
/// the frame to it. Numbers carry `data-k`, the JSON path of the value
/// shown, so a test can read them.
public enum AppPage {
    /// get_agency_overview's view.
    public static let agencyOverview = page(title: "Agency overview", app: "vitals-agency-overview", render: overviewScript)
    /// get_account's view.
    public static let account = page(title: "Account", app: "vitals-account", render: accountScript)

    static func page(title: String, app: String, render: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Vitals · \(title)</title>
        <style>\(style)</style></head>
        <body><main id="view"><p class="note" id="waiting">Waiting for the tool's answer…</p></main>
        <script>
        "use strict";
        const APP_NAME = "\(app)";
        \(kit)
        \(render)
        \(bridge)
        </script></body></html>
        """
    }

    // MARK: - Style: the spec's standard variables, with our own values where the host gives none

    static let style = #"""
        :root {
          color-scheme: light dark;
          --color-background-primary: light-dark(#ffffff, #171717);
          --color-background-secondary: light-dark(#f5f6f8, #222428);
          --color-text-primary: light-dark(#1b1d21, #f2f2f2);
          --color-text-secondary: light-dark(#5b6270, #a9afbb);
          --color-border-primary: light-dark(#dde1e7, #3a3d44);
          --color-text-danger: light-dark(#b3261e, #ff8a80);
          --font-sans: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          --border-radius-md: 8px;
          --band-healthy: #2e8b57; --band-watch: #e0a800; --band-at-risk: #c0392b; --band-other: #8a8f98;
        }
        * { box-sizing: border-box; }
        html, body { margin: 0; }
        body { background: var(--color-background-primary); color: var(--color-text-primary); font: 14px/1.45 var(--font-sans); }
        main { padding: 16px; }
        h1 { font-size: 20px; margin: 0 0 2px; }
        h2 { font-size: 14px; margin: 20px 0 8px; color: var(--color-text-secondary); text-transform: uppercase; letter-spacing: .04em; }
        .meta, .note { color: var(--color-text-secondary); font-size: 12px; }
        .note { margin: 8px 0; }
        .error { color: var(--color-text-danger); white-space: pre-wrap; }
        .kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; margin-top: 12px; }
        .kpi { background: var(--color-background-secondary); border: 1px solid var(--color-border-primary); border-radius: var(--border-radius-md); padding: 8px 10px; }
        .kpi .label { color: var(--color-text-secondary); font-size: 12px; }
        .kpi .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .band { display: inline-block; padding: 0 6px; border-radius: 10px; color: #fff; font-size: 12px; white-space: nowrap; }
        .band-Healthy { background: var(--band-healthy); } .band-Watch { background: var(--band-watch); color: #1b1d21; }
        .band-At-Risk { background: var(--band-at-risk); }
        .legend { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 6px; font-size: 13px; }
        .legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
        svg { display: block; width: 100%; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--color-border-primary); vertical-align: top; }
        th { color: var(--color-text-secondary); font-weight: 500; }
        .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .bar { background: var(--color-border-primary); border-radius: 3px; height: 8px; min-width: 80px; }
        .bar > div { background: var(--band-healthy); border-radius: 3px; height: 8px; }
        .overdue { color: var(--color-text-danger); }
        """#

    // MARK: - Script: building the DOM safely, and the numbers as the CLI and the report write them

    static let kit = #"""
        const SVG = "http://www.w3.org/2000/svg";
        /** An element with attributes and children; strings become text nodes, never markup. */
        function el(tag, attributes, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
          for (const child of children.flat()) {
            if (child === null || child === undefined || child === false) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }
        function svg(tag, attributes, ...children) {
          const node = document.createElementNS(SVG, tag);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
          for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          return node;
        }
        const has = (value) => value !== undefined && value !== null;
        const count = (n) => has(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : "–";
        /** Integer cents as dollars: $8,849.00 (money stays cents in the JSON). */
        function money(cents) {
          if (!has(cents)) return "–";
          const abs = Math.abs(cents), rest = abs % 100;
          return (cents < 0 ? "-$" : "$") + count(Math.floor(abs / 100)) + "." + (rest < 10 ? "0" : "") + rest;
        }
        const one = (n) => has(n) ? Number(n).toFixed(1) : "–";
        const signed = (n) => has(n) ? (n > 0 ? "+" : "") + Number(n).toFixed(1) : "–";
        const percent = (ratio) => has(ratio) ? (ratio * 100).toFixed(1) + "%" : "–";
        const words = (name) => String(name).replace(/_/g, " ");
        const bandClass = (band) => "band band-" + String(band).replace(/ /g, "-");
        function kpi(label, value, key) {
          return el("div", { class: "kpi" }, el("div", { class: "label" }, label), el("div", key ? { class: "value", "data-k": key } : { class: "value" }, value));
        }
        function table(name, headers, rows) {
          return el("div", { class: "scroll" }, el("table", { "data-t": name },
            el("thead", {}, el("tr", {}, headers.map(([text, numeric]) => el("th", numeric ? { class: "n" } : {}, text)))),
            el("tbody", {}, rows)));
        }
        function section(title, ...content) { return [el("h2", {}, title), ...content]; }
        """#

    // MARK: - get_agency_overview

    static let overviewScript = #"""
        const BANDS = [["Healthy", "var(--band-healthy)"], ["Watch", "var(--band-watch)"], ["At Risk", "var(--band-at-risk)"]];
        /** One stacked bar of the paying accounts by band, and its legend. */
        function bandsBar(byBand) {
          const bands = BANDS.filter(([name]) => name in byBand);
          for (const name of Object.keys(byBand)) if (!bands.some(([known]) => known === name)) bands.push([name, "var(--band-other)"]);
          const total = bands.reduce((sum, [name]) => sum + (byBand[name] || 0), 0);
          const bar = svg("svg", { viewBox: "0 0 100 6", preserveAspectRatio: "none", height: "18", role: "img", "aria-label": "Paying accounts by band" });
          let x = 0;
          for (const [name, color] of bands) {
            const width = total > 0 ? 100 * (byBand[name] || 0) / total : 0;
            bar.append(svg("rect", { x: x, y: 0, width: width, height: 6, style: "fill:" + color }, svg("title", {}, name + ": " + byBand[name])));
            x += width;
          }
          const legend = el("div", { class: "legend" }, bands.map(([name, color]) => el("span", {},
            el("span", { class: "swatch", style: "background:" + color }), name + " ", el("b", { "data-k": "accounts_by_band." + name }, count(byBand[name])))));
          return [bar, legend];
        }
        function render(data) {
          const view = [];
          view.push(el("h1", { "data-k": "agency_name" }, data.agency_name || data.agency_id));
          view.push(el("div", { class: "meta" }, "as of ", el("span", { "data-k": "as_of" }, data.as_of), " · data through ", data.data_through,
            " · ", count(data.tracked_accounts), " tracked accounts · ", data.source));
          const kpis = [kpi("Paying accounts", count(data.paying_accounts), "paying_accounts"),
                        kpi("Average health", one(data.average_health), "average_health")];
          if (has(data.mrr_cents)) kpis.push(kpi("MRR", money(data.mrr_cents), "mrr_cents"));
          if (has(data.retention)) {
            kpis.push(kpi("NRR, 12 months", percent(data.retention.nrr), "retention.nrr"));
            kpis.push(kpi("GRR, 12 months", percent(data.retention.grr), "retention.grr"));
          }
          kpis.push(kpi("Churned accounts", count(data.churned_accounts), "churned_accounts"));
          if (has(data.churned_mrr_this_month_cents)) kpis.push(kpi("MRR churned this month", money(data.churned_mrr_this_month_cents), "churned_mrr_this_month_cents"));
          if (has(data.failed_payments_30d)) kpis.push(kpi("Failed payments, 30 days", count(data.failed_payments_30d), "failed_payments_30d"));
          if (has(data.renewals_30d)) kpis.push(kpi("Renewals, next 30 days", count(data.renewals_30d), "renewals_30d"));
          view.push(el("div", { class: "kpis" }, kpis));
          if (data.accounts_by_band) view.push(...section("Paying accounts by band", ...bandsBar(data.accounts_by_band)));
          const risky = data.highest_churn_risk || [];
          if (risky.length > 0) {
            const withMRR = risky.some((a) => has(a.mrr_cents));
            const headers = [["Account"], ["Band"], ["Health", true], ["Churn risk", true]].concat(withMRR ? [["MRR", true]] : [], [["Top signal"]]);
            view.push(...section("Highest churn risk", table("highest_churn_risk", headers, risky.map((a) => el("tr", {},
              el("td", {}, a.name, " ", el("span", { class: "meta" }, a.account_id)),
              el("td", {}, el("span", { class: bandClass(a.band) }, a.band)),
              el("td", { class: "n" }, one(a.health)),
              el("td", { class: "n" }, percent(a.churn_risk)),
              withMRR ? el("td", { class: "n" }, money(a.mrr_cents)) : null,
              el("td", {}, has(a.top_signal) ? words(a.top_signal) : "–"))))));
          }
          return view;
        }
        """#

    // MARK: - get_account

    static let accountScript = #"""
        /** Health on each scored day, as a line (two days at least). */
        function trendLine(trend) {
          const points = trend.filter((d) => has(d.health)).slice().sort((a, b) => a.as_of < b.as_of ? -1 : 1);
          if (points.length < 2) return null;
          const w = 300, h = 60, step = w / (points.length - 1);
          const line = points.map((d, i) => (i * step).toFixed(1) + "," + (h - h * d.health / 100).toFixed(1)).join(" ");
          return svg("svg", { viewBox: "0 0 " + w + " " + h, preserveAspectRatio: "none", height: "60", role: "img", "aria-label": "Health, day by day" },
            svg("polyline", { points: line, fill: "none", style: "stroke:var(--band-healthy);stroke-width:2", "vector-effect": "non-scaling-stroke" }),
            svg("title", {}, points[0].as_of + " " + one(points[0].health) + " → " + points[points.length - 1].as_of + " " + one(points[points.length - 1].health)));
        }
        function render(data) {
          const account = data.account || {}, score = data.score || {};
          const view = [];
          view.push(el("h1", { "data-k": "account.name" }, account.name || account.account_id));
          view.push(el("div", { class: "meta" }, [account.account_id, account.plan && account.plan + " plan", account.priority && account.priority + " priority",
            account.owner_email, account.renewal_date && "renews " + account.renewal_date, "as of " + data.as_of].filter(Boolean).join(" · ")));
          if (account.churned) view.push(el("p", { class: "note error" }, "Churned (MRR 0) since " + (account.churned_since || "–")));
          const kpis = [kpi("Health", one(score.health), "score.health"),
                        el("div", { class: "kpi" }, el("div", { class: "label" }, "Band"), el("div", { class: "value" }, el("span", { class: bandClass(score.band), "data-k": "score.band" }, score.band))),
                        kpi("Churn risk", percent(score.churn_risk), "score.churn_risk"),
                        kpi("Health, 7 days", signed(account.health_change), "account.health_change")];
          if (has(account.mrr_cents)) kpis.push(kpi("MRR", money(account.mrr_cents), "account.mrr_cents"));
          if (has(data.seats)) kpis.push(kpi("Seats", count(data.seats), "seats"));
          if (has(score.users)) kpis.push(kpi("Users · WAU · MAU", count(score.users) + " · " + count(score.wau) + " · " + count(score.mau)));
          if (has(data.open_cta_count)) kpis.push(kpi("Open CTAs", count(data.open_cta_count), "open_cta_count"));
          view.push(el("div", { class: "kpis" }, kpis));

          const components = Object.entries(score.components || {});
          if (components.length > 0) {
            view.push(...section("Health components", table("components", [["Component"], ["Score", true], [""]], components.map(([name, value]) => el("tr", {},
              el("td", {}, words(name)),
              el("td", { class: "n", "data-k": "score.components." + name }, Math.round(value * 100) + "%"),
              el("td", { style: "width:50%" }, el("div", { class: "bar" }, el("div", { style: "width:" + Math.max(0, Math.min(100, value * 100)) + "%" }))))))));
          }
          const trend = trendLine(data.health_trend || []);
          if (trend) view.push(...section("Health, day by day", trend));
          const signals = score.signals || [];
          view.push(...section("Risk signals", signals.length === 0 ? el("p", { class: "note" }, "No signal fired.") :
            table("signals", [["Signal"], ["Evidence"], ["Weight", true]], signals.map((s) => el("tr", {},
              el("td", {}, words(s.signal)), el("td", {}, s.evidence || ""), el("td", { class: "n" }, has(s.weight) ? Number(s.weight).toFixed(2) : "–"))))));
          const drivers = score.drivers || [];
          if (drivers.length > 0) {
            view.push(...section("What drives the churn risk", table("drivers", [["Driver"], ["Contribution", true]], drivers.map((d) => el("tr", {},
              el("td", {}, words(d.name)), el("td", { class: "n" }, Number(d.contribution).toFixed(2)))))));
          }
          if (Array.isArray(data.open_ctas)) {
            view.push(...section("Open CTAs", data.open_ctas.length === 0 ? el("p", { class: "note" }, "None open.") :
              table("open_ctas", [["Priority"], ["Type"], ["Reason"], ["Due"], ["Tasks", true]], data.open_ctas.map((c) => el("tr", {},
                el("td", {}, c.priority), el("td", {}, c.type), el("td", {}, c.reason),
                el("td", c.overdue ? { class: "overdue" } : {}, (c.due_date || "–") + (c.overdue ? " (overdue)" : "")),
                el("td", { class: "n" }, count(c.tasks_done) + "/" + count(c.tasks_total)))))));
          }
          if (data.active_plan) {
            const plan = data.active_plan;
            view.push(...section("Success plan", el("p", {}, el("b", {}, plan.title), " · ", count(plan.objectives_achieved), " of ", count(plan.objectives_total),
              " objectives achieved", plan.next_objective ? " · next: " + plan.next_objective : "")));
          }
          if (Array.isArray(data.key_users) && data.key_users.length > 0) {
            view.push(...section("Key users", table("key_users", [["Name"], ["Role"], ["Last login"], ["Days since", true]], data.key_users.map((u) => el("tr", {},
              el("td", {}, u.name, " ", el("span", { class: "meta" }, u.email)), el("td", {}, u.role), el("td", {}, u.last_login || "never"),
              el("td", { class: "n" }, count(u.days_since_login)))))));
          }
          if (Array.isArray(data.recent_activities)) {
            view.push(...section("Recent activity", data.recent_activities.length === 0 ? el("p", { class: "note" }, "Nothing logged yet.") :
              table("recent_activities", [["When"], ["Kind"], ["Subject"], ["By"]], data.recent_activities.map((a) => el("tr", {},
                el("td", {}, a.occurred_at), el("td", {}, a.kind), el("td", {}, a.subject || (a.body || "").slice(0, 80)), el("td", {}, a.author || ""))))));
          }
          return view;
        }
        """#

    // MARK: - The view's side of the protocol ("Transport Layer", "Lifecycle", "MCP Apps Specific Messages")

    static let bridge = #"""
        const view = document.getElementById("view");
        let nextId = 1, initialized = false, lastSize = "";
        const waiting = new Map();
        function post(message) { window.parent.postMessage(Object.assign({ jsonrpc: "2.0" }, message), "*"); }
        function request(method, params) {
          const id = nextId++;
          post({ id, method, params });
          return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
        }
        function notify(method, params) { post({ method, params }); }
        function show(...nodes) { view.replaceChildren(...nodes.flat()); reportSize(); }

        /** A tool result: its structuredContent drawn, or its text when it is an error or has no structure. */
        function showResult(result) {
          const text = (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
          if (result.isError || !result.structuredContent) {
            show(el("p", { class: "note error" }, text || "The tool answered nothing to draw."));
            return;
          }
          try {
            show(render(result.structuredContent));
          } catch (error) {
            show(el("p", { class: "note error" }, "This answer could not be drawn: " + error.message));
          }
        }

        /** Host context ("Host Context in McpUiInitializeResult", "Theming"): theme, style variables, container size. */
        function applyContext(context) {
          if (!context) return;
          const root = document.documentElement;
          if (context.theme === "light" || context.theme === "dark") root.style.colorScheme = context.theme;
          for (const [name, value] of Object.entries((context.styles && context.styles.variables) || {})) {
            if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
          }
          // styles.css.fonts is left out on purpose: its rules may load a font from the network, and this page loads nothing.
          const box = context.containerDimensions;
          if (box) {
            if ("height" in box) root.style.height = "100vh"; else if (box.maxHeight) root.style.maxHeight = box.maxHeight + "px";
            if ("width" in box) root.style.width = "100vw"; else if (box.maxWidth) root.style.maxWidth = box.maxWidth + "px";
          }
        }

        /** ui/notifications/size-changed, once initialized and only when the size moved. */
        function reportSize() {
          if (!initialized) return;
          const root = document.documentElement;
          const size = { width: Math.ceil(root.scrollWidth), height: Math.ceil(root.scrollHeight) };
          const key = size.width + "x" + size.height;
          if (key === lastSize) return;
          lastSize = key;
          notify("ui/notifications/size-changed", size);
        }

        window.addEventListener("message", (event) => {
          if (event.source !== window.parent) return;
          const message = event.data;
          if (!message || message.jsonrpc !== "2.0") return;
          if (message.method === undefined) {
            const pending = waiting.get(message.id);
            if (!pending) return;
            waiting.delete(message.id);
            if (message.error) pending.reject(new Error(message.error.message || "error " + message.error.code));
            else pending.resolve(message.result || {});
            return;
          }
          if (message.id !== undefined) {
            // The host's requests: ping and the teardown warning need only an answer; this view has nothing to save.
            if (message.method === "ping" || message.method === "ui/resource-teardown") post({ id: message.id, result: {} });
            else post({ id: message.id, error: { code: -32601, message: "the Vitals view does not answer " + message.method } });
            return;
          }
          const params = message.params || {};
          switch (message.method) {
            case "ui/notifications/tool-input":
              show(el("p", { class: "note" }, "Asking Vitals…"));
              break;
            case "ui/notifications/tool-result":
              showResult(params);
              break;
            case "ui/notifications/tool-cancelled":
              show(el("p", { class: "note" }, "The call was cancelled" + (params.reason ? ": " + params.reason : ".")));
              break;
            case "ui/notifications/host-context-changed":
              applyContext(params);
              reportSize();
              break;
          }
        });

        request("ui/initialize", {
          protocolVersion: "2026-01-26",
          appInfo: { name: APP_NAME, version: "1.0.0" },
          appCapabilities: { availableDisplayModes: ["inline"] },
        }).then((result) => {
          applyContext(result.hostContext);
          notify("ui/notifications/initialized", {});
          initialized = true;
          new ResizeObserver(reportSize).observe(document.documentElement);
          reportSize();
        }, (error) => {
          show(el("p", { class: "note error" }, "The host refused ui/initialize: " + error.message));
        });
        """#
}
