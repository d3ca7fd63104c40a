//! Settings → Company (issue 16): the time zone is validated and every instant shown on a page
//! follows it; the activity log reads in words, with actors to pick and to follow.

use crate::support::*;
use newledger_domain::role::Role;

async fn company_time_zone_and_activity_in_words(app: TestApp) {
    let p = app.owner("Acme").await;
    let b = sign_in(&app, &p).await;
    let page = url(&p, "/settings/company");
    let (s, form) = b.page(&page).await;
    assert_eq!(s, 200);
    assert!(form.contains(r#"value="UTC""#), "UTC by default");
    assert!(
        form.contains(r#"<option value="Europe/Paris">"#),
        "zones to pick from"
    );

    // An unknown zone is refused with a message that says what to enter; nothing changes.
    let fields = |tz: &'static str| {
        vec![
            ("name", "Acme"),
            ("time_zone", tz),
            ("lock_date", ""),
            ("fy_month", "1"),
            ("fy_day", "1"),
        ]
    };
    let r = b.submit(&page, &page, &fields("Mars/Olympus")).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Time zone: must be an IANA time zone name")
    );
    let r = b.submit(&page, &page, &fields("Asia/Tokyo")).await;
    assert_eq!(r.status(), 303);
    let (_, form) = b.page(&page).await;
    assert!(
        form.contains(r#"value="Asia/Tokyo""#) && form.contains("JST"),
        "{form}"
    );

    // The log: the change in words, the exact time in Tokyo, the actor as a link to Members,
    // and the actor offered in the picker (no `usr_…` to type).
    let (_, log) = b.page(&url(&p, "/activity")).await;
    assert!(log.contains("Company settings changed"), "{log}");
    assert!(
        log.contains("company.settings_changed"),
        "the code stays beside the words"
    );
    assert!(
        log.contains(" JST\">") || log.contains(" JST</time>"),
        "Tokyo time: {log}"
    );
    assert!(
        log.contains(&format!(
            "/settings/members#{}\">{}</a>",
            p.user_id, p.email
        )),
        "{log}"
    );
    let choice = format!(r#"<option value="user:{}">{}</option>"#, p.user_id, p.email);
    assert!(log.contains(&choice), "the picker offers the owner: {log}");
    assert!(log.contains("event shown") || log.contains("events shown"));

    // Picking the actor filters by it; a failure reads "What: why".
    let (_, mine) = b
        .page(&url(&p, &format!("/activity?actor=user%3A{}", p.user_id)))
        .await;
    assert!(mine.contains("Company settings changed"));
    assert!(mine.contains(&format!(r#"<option value="user:{}" selected>"#, p.user_id)));
    let (_, apps_only) = b.page(&url(&p, "/activity?actor=app")).await;
    assert!(!apps_only.contains("Company settings changed"));

    // A viewer reads the settings but gets no form.
    let v = app.member(&p.company_id, Role::Viewer).await;
    let vb = sign_in(&app, &v).await;
    let (s, read) = vb.page(&page).await;
    assert_eq!(s, 200);
    assert!(read.contains("Asia/Tokyo") && !read.contains("Save settings"));
}

newledger_testkit::both_apps!(company_time_zone_and_activity_in_words);
