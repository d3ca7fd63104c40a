//! Deleting a contact (issue 16): offered only for a contact nothing refers to, confirmed on a
//! second page, logged; a contact in use says why it stays and a forced POST is refused.

use crate::support::*;

async fn delete_an_unused_contact_only(app: TestApp) {
    let p = app.owner("Acme").await;
    let (draft, _) = app_drafted_invoice(&app, &p).await;
    let used = draft.contact_id.clone().unwrap().to_string();
    let spare = customer(&app, &p, "Nobody Ltd").await;
    let b = sign_in(&app, &p).await;

    // In use: no button, the reason instead; a forced POST is a conflict that says why.
    let used_page = url(&p, &format!("/contacts/{used}"));
    let (_, html) = b.page(&used_page).await;
    assert!(!html.contains("Delete contact"), "{html}");
    assert!(
        html.contains("cannot be deleted: it has 1 invoice, bill or expense"),
        "{html}"
    );
    let r = b
        .submit(
            &used_page,
            &url(&p, &format!("/contacts/{used}/delete")),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("cannot be deleted"));

    // Unused: the button asks first, the confirmed form deletes and logs it.
    let spare_page = url(&p, &format!("/contacts/{spare}"));
    let (_, html) = b.page(&spare_page).await;
    assert!(html.contains("Delete contact"));
    let action = url(&p, &format!("/contacts/{spare}/delete"));
    let r = b.submit(&spare_page, &action, &[]).await;
    assert_eq!(r.status(), 200, "asks first");
    let ask = r.text().await.unwrap();
    assert!(ask.contains("Delete Nobody Ltd?") && ask.contains(r#"name="confirmed" value="yes""#));
    assert_eq!(
        b.page(&spare_page).await.0,
        200,
        "still there until confirmed"
    );
    let r = b
        .submit(&spare_page, &action, &[("confirmed", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), url(&p, "/contacts"));
    assert_eq!(b.page(&spare_page).await.0, 404);
    let (_, log) = b.page(&url(&p, "/activity?action=contact.")).await;
    assert!(
        log.contains("Contact deleted") && log.contains("Nobody Ltd"),
        "{log}"
    );
}

newledger_testkit::both_apps!(delete_an_unused_contact_only);
