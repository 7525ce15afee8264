//! ETag and Last-Modified.

use papers_feeds::{etag_for, etag_matches, http_date, last_modified};

use crate::{entries, meta, ts};

#[test]
fn the_etag_is_stable_and_follows_every_change() {
    let base = etag_for(&entries(), &meta());
    assert_eq!(base, etag_for(&entries(), &meta()), "deterministic");
    assert!(
        base.starts_with('"') && base.ends_with('"') && base.len() == 34,
        "{base}"
    );
    assert!(etag_matches(&base, &base));

    let mut changed = entries();
    changed[1].updated = ts("2026-08-22T00:00:00Z");
    assert_ne!(etag_for(&changed, &meta()), base, "an entry updated");

    let mut reordered = entries();
    reordered.swap(0, 1);
    assert_ne!(etag_for(&reordered, &meta()), base, "order matters");

    let mut retitled = entries();
    retitled[0].title.push('!');
    assert_ne!(etag_for(&retitled, &meta()), base, "a title fixed");

    let mut fewer = entries();
    fewer.pop();
    assert_ne!(etag_for(&fewer, &meta()), base, "an entry gone");

    // Field boundaries count: moving a character between fields changes it.
    let mut a = entries();
    a[0].authors = vec!["AB".into(), "C".into()];
    let mut b = entries();
    b[0].authors = vec!["A".into(), "BC".into()];
    assert_ne!(etag_for(&a, &meta()), etag_for(&b, &meta()));

    let mut other_meta = meta();
    other_meta.title = "Another feed".into();
    assert_ne!(etag_for(&entries(), &other_meta), base, "feed metadata");
}

#[test]
fn last_modified_is_the_latest_update() {
    assert_eq!(last_modified(&entries()), Some(ts("2026-08-21T09:30:00Z")));
    assert_eq!(last_modified(&[]), None);
    assert_eq!(
        http_date(ts("2026-08-21T09:30:00Z")),
        "Fri, 21 Aug 2026 09:30:00 GMT"
    );
}
