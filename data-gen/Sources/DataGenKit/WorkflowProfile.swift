/// A workflow an agency can trigger (webhook left empty in synthetic data).
struct WorkflowProfile {
    var id: String
    var agencyIndex: Int
    var name: String
}
