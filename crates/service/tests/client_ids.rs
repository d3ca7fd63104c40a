//! What the activity log keeps of a presented client id that is not a known app.
#![allow(clippy::unwrap_used)]

use newledger_service::app_connect::tokens::loggable_client_id;

#[test]
fn unknown_client_ids_are_cut_and_secrets_never_kept() {
    let secret = "nlcs_xHXJMcqQlwmtxqN4ka1ijEFPa0p5Xpcbu6OsRzGOoNw";
    for sent in [
        secret.to_owned(),
        format!("app_01m8m5m4fq419pd2h9tn2ppsf9{secret}"),
        format!("  {secret}"),
    ] {
        let kept = loggable_client_id(&sent);
        assert!(
            !kept.contains("nlcs_") && !kept.contains("xHXJMcq"),
            "{kept}"
        );
    }
    let long = "x".repeat(1_500_000);
    let kept = loggable_client_id(&long);
    assert!(kept.chars().count() <= 33, "{}", kept.len());
    // An id of an app's length is kept whole, so failures stay readable.
    assert_eq!(
        loggable_client_id("app_01m8m5m4fq419pd2h9tn2ppsf9"),
        "app_01m8m5m4fq419pd2h9tn2ppsf9"
    );
}
