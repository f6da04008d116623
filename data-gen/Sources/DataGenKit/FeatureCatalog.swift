#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The 30 CRM / marketing features of the synthetic product, in order of
/// global popularity, with a Zipf-like weight and an adoption probability
/// per rank.
enum FeatureCatalog {
    /// Feature names, most popular first.
    static let names: [String] = [
        "conversations_inbox", "contacts_import", "email_campaigns", "calendar_booking",
        "sms_send", "pipelines_update", "workflows_builder", "forms_builder",
        "reporting_dashboard", "funnels_builder", "reputation_reviews", "missed_call_text_back",
        "social_planner", "invoices_send", "smart_lists", "email_templates",
        "payment_links", "websites_builder", "webchat_widget", "call_tracking",
        "surveys_builder", "tags_manage", "landing_pages", "ai_chatbot",
        "memberships_courses", "phone_dialer", "document_contracts", "ad_manager",
        "blog_posts", "affiliate_manager",
    ]

    /// Number of features.
    static var count: Int { names.count }

    /// Global popularity of the feature at `rank` (0 = most popular): Zipf, s = 1.1.
    static func popularity(rank: Int) -> Double {
        1 / pow(Double(rank + 1), 1.1)
    }

    /// Probability that an account uses the feature at `rank` at all.
    static func adoption(rank: Int) -> Double {
        0.12 + 0.86 * exp(-Double(rank) / 10)
    }

    /// Multiplier of a usage row's `count`: bulk features (sends, imports)
    /// record many items per row.
    static func countScale(rank: Int) -> Int {
        switch names[rank] {
        case "sms_send", "email_campaigns", "contacts_import": 8
        case "conversations_inbox", "smart_lists", "tags_manage", "phone_dialer": 3
        default: 1
        }
    }
}
