import Mustache

/// The pages' mustache templates, in one library so the report and the
/// dashboard share their style and the agency sections (`{{> agency}}`).
/// `{{x}}` is HTML-escaped; `{{{x}}}` is only ever an SVG chart drawn here
/// from numbers and dates.
enum Templates {
    static func render(_ page: [String: Any], _ name: String) -> String {
        library.render(page, withTemplate: name) ?? ""
    }

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are literals of this file: a parse error is a programming error.
        for (name, text) in [("head", head), ("style", style), ("agency", agency), ("report", report), ("dashboard-header", dashboardHeader),
                             ("dashboard-agency", dashboardAgency), ("dashboard-account", dashboardAccount),
                             ("dashboard-signin", dashboardSignIn), ("dashboard-message", dashboardMessage)] {
            library.register(try! MustacheTemplate(string: text), named: name)
        }
        return library
    }()

    /// Every page's first lines; the page adds its title, then `{{> style}}`.
    static let head = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        """

    static let style = """
        <style>
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1d2430}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
        .meta,.note{color:#5b6575;font-size:12px}.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
        .kpi{border:1px solid #dde2ea;border-radius:6px;padding:8px 12px;min-width:120px}.kpi b{display:block;font-size:20px}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eef1f5;vertical-align:top}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}svg{width:100%;height:auto;max-width:640px}
        .legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
        ul.ctas{margin:0;padding-left:16px}a{color:#1d4f91}h2 a.csv{font-size:12px;font-weight:normal;margin-left:8px}
        nav.top{display:flex;flex-wrap:wrap;gap:10px;align-items:center;justify-content:space-between;border-bottom:1px solid #dde2ea;padding-bottom:8px;margin-bottom:12px}
        nav.top form{display:inline-flex;gap:6px;align-items:center;margin:0}
        .notice{background:#eaf5ee;border:1px solid #2e8b57;border-radius:6px;padding:8px 12px}
        .error{background:#fbeceb;border:1px solid #c0392b;border-radius:6px;padding:8px 12px}
        .card{border:1px solid #dde2ea;border-radius:6px;padding:10px 12px;margin:10px 0}
        .card h3{font-size:15px;margin:0 0 4px}.overdue{color:#c0392b;font-weight:600}
        .bar{background:#eef1f5;height:8px;border-radius:4px;min-width:80px}.bar i{display:block;height:8px;border-radius:4px;background:#1d4f91}
        form.inline{display:inline;margin:0}button{font:inherit;padding:3px 10px;cursor:pointer}
        textarea,input[type=text],select,input[type=date],input[type=password]{font:inherit;max-width:100%}
        textarea{width:100%;box-sizing:border-box}ul.tasks{list-style:none;padding-left:0;margin:6px 0}ul.tasks li{margin:3px 0}
        .done{text-decoration:line-through;color:#5b6575}.body{white-space:pre-wrap}
        @media print{@page{size:A4;margin:14mm}body{max-width:none;padding:0}h2{break-after:avoid}tr{break-inside:avoid}nav.top,form,a.csv{display:none}}
        </style>
        """

    /// A linked account name (the dashboard) or a plain one (the report).
    static let accountName = "{{#href}}<a href=\"{{href}}\">{{/href}}{{name}}{{#href}}</a>{{/href}} <span class=\"meta\">{{id}}</span>"

    static let agency = """
        <h1>{{agency}} <span class="meta">({{agencyID}})</span></h1>
        <p class="meta">As of {{asOf}} · data through {{dataThrough}}{{^dashboard}} · made by <code>vitals report</code>{{/dashboard}}</p>
        <div class="kpis">
        {{#revenue}}<div class="kpi">MRR<b data-k="mrr">{{mrr}}</b></div>
        <div class="kpi">NRR (12 months)<b data-k="nrr">{{nrr}}</b></div>
        <div class="kpi">GRR (12 months)<b data-k="grr">{{grr}}</b></div>{{/revenue}}
        <div class="kpi">Average health<b data-k="average_health">{{averageHealth}}</b></div>
        <div class="kpi">Healthy / Watch / At Risk<b><span data-k="healthy">{{healthy}}</span> / <span data-k="watch">{{watch}}</span> / <span data-k="at_risk">{{atRiskCount}}</span></b></div>
        <div class="kpi">Churned<b data-k="churned">{{churned}}</b></div>
        </div>
        <h2>Health by band, week by week</h2>
        <p class="legend"><span><i class="sw" style="background:#2e8b57"></i>Healthy</span><span><i class="sw" style="background:#e0a800"></i>Watch</span><span><i class="sw" style="background:#c0392b"></i>At Risk</span> <span class="note">{{weeksShown}} scored week(s) kept; paying accounts</span></p>
        {{{bandsChart}}}
        {{#revenue}}
        <h2>MRR, month by month{{#csv}} <a class="csv" href="{{months}}" download>CSV</a>{{/csv}}</h2>
        {{{waterfall}}}
        <div class="scroll"><table data-t="months"><thead><tr><th>Month</th><th class="n">Start</th><th class="n">New</th><th class="n">Reactivation</th><th class="n">Expansion</th><th class="n">Contraction</th><th class="n">Churn</th><th class="n">End</th></tr></thead><tbody>
        {{#months}}<tr><td>{{month}}</td><td class="n">{{start}}</td><td class="n">{{new}}</td><td class="n">{{reactivation}}</td><td class="n">{{expansion}}</td><td class="n">{{contraction}}</td><td class="n">{{churn}}</td><td class="n">{{end}}</td></tr>{{/months}}
        </tbody></table></div>
        {{/revenue}}
        {{#atRisk}}
        <h2>At risk <span class="meta">({{total}} in all; the first 15)</span>{{#csv}} <a class="csv" href="{{at_risk}}" download>CSV</a>{{/csv}}</h2>
        <div class="scroll"><table data-t="at_risk"><thead><tr><th>Account</th><th>Band</th><th class="n">Health</th><th class="n">Churn risk</th><th class="n">MRR</th><th>Drivers</th><th>Open CTAs</th></tr></thead><tbody>
        {{#rows}}<tr><td>\(accountName)</td><td>{{band}}</td><td class="n">{{health}}</td><td class="n">{{risk}}</td><td class="n">{{mrr}}</td><td>{{drivers}}</td><td><ul class="ctas">{{#ctas}}<li>{{priority}}: {{reason}} (due {{due}})</li>{{/ctas}}</ul></td></tr>{{/rows}}
        </tbody></table></div>
        {{/atRisk}}
        {{#drops}}
        <h2>Biggest health drops, 7 days{{#csv}} <a class="csv" href="{{drops}}" download>CSV</a>{{/csv}}</h2>
        <div class="scroll"><table data-t="drops"><thead><tr><th>Account</th><th class="n">Then</th><th class="n">Now</th><th class="n">Change</th><th>What moved (health points)</th></tr></thead><tbody>
        {{#rows}}<tr><td>\(accountName)</td><td class="n">{{then}}</td><td class="n">{{now}}</td><td class="n">{{change}}</td><td>{{moved}}</td></tr>{{/rows}}
        </tbody></table></div>
        {{/drops}}
        {{#features}}
        <h2>Feature adoption, 30 days{{#csv}} <a class="csv" href="{{features}}" download>CSV</a>{{/csv}}</h2>
        <div class="scroll"><table data-t="features"><thead><tr><th>Feature</th><th class="n">Uses</th><th class="n">Accounts</th><th class="n">Adoption</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{feature}}</td><td class="n">{{uses}}</td><td class="n">{{accounts}}</td><td class="n">{{adoption}}</td></tr>{{/rows}}
        </tbody></table></div>
        {{/features}}
        {{#featureMovers}}
        <h2>Feature movers, week over week{{#csv}} <a class="csv" href="{{feature_movers}}" download>CSV</a>{{/csv}}</h2>
        <div class="scroll"><table data-t="feature_movers"><thead><tr><th>Feature</th><th class="n">Last week</th><th class="n">This week</th><th class="n">Change</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{feature}}</td><td class="n">{{prev}}</td><td class="n">{{cur}}</td><td class="n">{{change}}</td></tr>{{/rows}}
        </tbody></table></div>
        {{/featureMovers}}
        {{#renewals}}
        <h2>Renewals in the next 30 days <span class="meta">({{total}})</span>{{#csv}} <a class="csv" href="{{renewals}}" download>CSV</a>{{/csv}}</h2>
        <div class="scroll"><table data-t="renewals"><thead><tr><th>Account</th><th>Renews</th><th>Band</th><th class="n">Health</th><th class="n">MRR</th></tr></thead><tbody>
        {{#rows}}<tr><td>\(accountName)</td><td>{{date}}</td><td>{{band}}</td><td class="n">{{health}}</td><td class="n">{{mrr}}</td></tr>{{/rows}}
        </tbody></table></div>
        {{/renewals}}
        """

    static let report = """
        {{> head}}
        <title>{{agency}} — Vitals report, {{asOf}}</title>
        {{> style}}
        </head><body>
        {{> agency}}
        </body></html>
        """

    static let dashboardHeader = """
        {{#dashboard}}<nav class="top"><a href="{{home}}"><b>Vitals</b> · {{agencyID}}</a>
        <form method="get" action="{{base}}"><label>As of <input type="date" name="as_of" value="{{chosenAsOf}}" max="{{dataThrough}}"></label><button type="submit">Show</button></form>
        <form method="post" action="{{base}}/sign-out"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Sign out</button></form></nav>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}{{/dashboard}}
        """

    static let dashboardAgency = """
        {{> head}}
        <title>{{agency}} — Vitals dashboard</title>
        {{> style}}
        </head><body>
        {{> dashboard-header}}
        {{> agency}}
        </body></html>
        """

    static let dashboardAccount = """
        {{> head}}
        <title>{{name}} — Vitals dashboard</title>
        {{> style}}
        </head><body>
        {{> dashboard-header}}
        <h1>{{name}} <span class="meta">({{accountID}})</span></h1>
        <p class="meta">As of {{asOf}} · plan {{accountPlan}} · owner {{owner}} · renews {{renewal}} · priority {{priority}}{{#churned}} · <b>churned</b>{{/churned}}</p>
        <div class="kpis">
        <div class="kpi">Health<b data-k="health">{{health}}</b><span class="meta">{{band}}, 7-day change <span data-k="health_change">{{healthChange}}</span></span></div>
        <div class="kpi">Churn risk<b data-k="churn_risk">{{risk}}</b></div>
        <div class="kpi">MRR<b data-k="mrr">{{mrr}}</b></div>
        <div class="kpi">Active users (week / month)<b><span data-k="wau">{{wau}}</span> / <span data-k="mau">{{mau}}</span></b><span class="meta">of {{users}} users, {{seats}} seats</span></div>
        <div class="kpi">Days since a login<b data-k="days_since_login">{{daysSinceLogin}}</b></div>
        </div>
        <h2>Health, the last {{trendDays}} days</h2>
        {{{trendChart}}}
        <h2>Health components</h2>
        <div class="scroll"><table data-t="components"><thead><tr><th>Component</th><th class="n">Weight</th><th class="n">Score (0–1)</th><th></th></tr></thead><tbody>
        {{#components}}<tr><td>{{component}}</td><td class="n">{{weight}}</td><td class="n">{{value}}</td><td><div class="bar"><i style="width:{{width}}%"></i></div></td></tr>{{/components}}
        </tbody></table></div>
        <h2>Signals and churn drivers</h2>
        <ul data-t="signals">{{#signals}}<li><b>{{signal}}</b>: {{evidence}}</li>{{/signals}}{{^signals}}<li class="note">No risk signal.</li>{{/signals}}</ul>
        <div class="scroll"><table data-t="drivers"><thead><tr><th>Driver</th><th class="n">Contribution</th></tr></thead><tbody>
        {{#drivers}}<tr><td>{{driver}}</td><td class="n">{{contribution}}</td></tr>{{/drivers}}
        </tbody></table></div>
        {{#keyUsers}}<h2>Key users</h2>
        {{#table}}<div class="scroll"><table data-t="key_users"><thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Last login</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{name}}</td><td>{{email}}</td><td>{{role}}</td><td>{{lastLogin}}</td></tr>{{/rows}}
        </tbody></table></div>{{/table}}{{#none}}<p class="note">No key user marked (set_user_key_status marks one).</p>{{/none}}{{/keyUsers}}
        {{#work}}
        <h2>Open CTAs <span class="meta">({{ctaTotal}})</span></h2>
        {{#ctas}}<div class="card" data-cta="{{id}}"><h3>{{reason}}</h3>
        <p class="meta">{{type}} · {{priority}} priority · due {{due}}{{#overdue}} · <span class="overdue">overdue</span>{{/overdue}} · opened by {{origin}} · owner {{owner}} · {{id}}</p>
        <ul class="tasks">{{#tasks}}<li data-task="{{id}}">{{#done}}<span class="done">✓ {{title}}</span>{{/done}}{{^done}}{{title}} <span class="meta">due {{due}}</span>{{#overdue}} <span class="overdue">overdue</span>{{/overdue}}
        {{#canWrite}}<form class="inline" method="post" action="{{complete}}"><input type="hidden" name="csrf_token" value="{{dashboard.csrf}}"><button type="submit">Mark done</button></form>{{/canWrite}}{{/done}}</li>{{/tasks}}</ul>
        {{#canWrite}}<form method="post" action="{{close}}"><input type="hidden" name="csrf_token" value="{{dashboard.csrf}}">
        <label>Close as <select name="outcome">{{#outcomes}}<option>{{.}}</option>{{/outcomes}}</select></label> <button type="submit">Close CTA</button></form>{{/canWrite}}
        </div>{{/ctas}}{{^ctas}}<p class="note">No open CTA.</p>{{/ctas}}
        {{#successPlan}}<h2>Success plan</h2><div class="card" data-t="plan"><h3>{{title}}</h3><p class="meta">{{status}} · owner {{owner}} · {{achieved}} objective(s) achieved</p>
        <ul>{{#objectives}}<li>{{title}} — {{status}}, target {{target}}{{#overdue}} <span class="overdue">overdue</span>{{/overdue}}</li>{{/objectives}}</ul></div>{{/successPlan}}
        <h2>Timeline <span class="meta">({{timelineTotal}})</span></h2>
        {{#canWrite}}<form method="post" action="{{logNote}}" class="card"><input type="hidden" name="csrf_token" value="{{dashboard.csrf}}"><input type="hidden" name="idempotency_key" value="{{noteKey}}">
        <label>Kind <select name="kind">{{#kinds}}<option>{{.}}</option>{{/kinds}}</select></label>
        <label>Subject <input type="text" name="subject" maxlength="200"></label>
        <p><textarea name="body" rows="3" maxlength="20000" required placeholder="What happened, what was agreed"></textarea></p>
        <button type="submit">Log it</button></form>{{/canWrite}}
        <ul data-t="timeline">{{#timeline}}<li><b>{{kind}}</b> <span class="meta">{{when}} · {{author}}</span>{{#subject}} — {{subject}}{{/subject}}<div class="body">{{body}}</div></li>{{/timeline}}{{^timeline}}<li class="note">Nothing logged yet.</li>{{/timeline}}</ul>
        {{/work}}
        </body></html>
        """

    static let dashboardSignIn = """
        {{> head}}
        <title>Sign in — Vitals dashboard</title>
        {{> style}}
        </head><body>
        <h1>Vitals dashboard</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="{{base}}" class="card">
        <p>Sign in with your agency's token (<code>vitals token create</code>). It is checked once; the browser keeps only a session cookie.</p>
        <p><label>Token <input type="password" name="token" autocomplete="off" required size="40"></label></p>
        <button type="submit">Sign in</button></form>
        </body></html>
        """

    static let dashboardMessage = """
        {{> head}}
        <title>{{title}} — Vitals dashboard</title>
        {{> style}}
        </head><body>
        <h1>{{title}}</h1><p class="error" role="alert">{{detail}}</p><p><a href="{{back}}">Back</a></p>
        </body></html>
        """
}
