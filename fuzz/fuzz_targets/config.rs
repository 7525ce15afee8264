//! The configuration file (papers-cli's `config.rs`, compiled here as it
//! is: the CLI is a binary crate, with no library to link). For any text:
//! no panic; a file that is not valid TOML for `Config` (syntax, type,
//! unknown key) is an error that points at a line; a file that parses but
//! fails validation is an error naming the setting; and a configuration
//! that loads is usable as the binary uses it (its address, proxies,
//! digest time, mail settings and durations all convert without error).
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/papers-cli/src/config.rs"]
mod config;

use config::{Config, Overrides};

/// The settings `validate` names in its errors.
const SETTINGS: &[&str] = &[
    "server.bind",
    "server.trusted_proxies",
    "server.base_url",
    "search.embedder",
    "harvest.hf_base",
    "harvest.arxiv_oai_base",
    "harvest.arxiv_api_base",
    "harvest.user_agent",
    "database_url",
    "database_read_url",
    "schedule.",
    "digest.schedule",
    "mail.smtp_url",
    "mail.from",
    "community.min_password_len",
    "community.session_days",
    "trending.gravity",
    "trending.offset_hours",
    "trending.window_days",
];

thread_local! {
    /// One file per process, rewritten for each input (`Config::load`
    /// reads a path).
    static FILE: PathBuf = std::env::temp_dir()
        .join(format!("papers-fuzz-config-{}.toml", std::process::id()));
}

fn no_env(_: &str) -> Option<String> {
    None
}

fuzz_target!(|text: &str| {
    let parsed = toml::from_str::<Config>(text);
    if let Err(e) = &parsed {
        assert!(
            e.to_string().contains("line "),
            "a TOML error without a line: {e}"
        );
    }
    let loaded = FILE.with(|path| {
        std::fs::write(path, text).expect("write the config file");
        Config::load(Some(path), &no_env, Overrides::default())
    });
    match (parsed, loaded) {
        (Err(e), Err(err)) => {
            let msg = format!("{err:#}");
            assert!(msg.contains("invalid config file"), "{msg}");
            assert!(msg.contains(&e.to_string()), "{msg}");
        }
        (Err(e), Ok(_)) => panic!("load accepted what toml refused: {e}"),
        (Ok(_), Err(err)) => {
            let msg = format!("{err:#}");
            assert!(
                SETTINGS.iter().any(|s| msg.contains(s)),
                "a validation error that names no setting: {msg}"
            );
        }
        (Ok(parsed), Ok(cfg)) => {
            // No environment, no flags: what loads is what the file says.
            assert_eq!(parsed, cfg);
            cfg.bind_addr().expect("bind address");
            cfg.trusted_proxies().expect("trusted proxies");
            cfg.digest_time().expect("digest time");
            let url = cfg.database_url();
            assert!(
                ["sqlite://", "postgres://", "postgresql://"]
                    .iter()
                    .any(|s| url.starts_with(s)),
                "{url}"
            );
            if let Some(url) = &cfg.mail.smtp_url {
                papers_mail::MailerConfig::from_url(url).expect("smtp url");
            }
            papers_mail::MailSettings::new(&cfg.mail.from, &cfg.server.base_url)
                .expect("mail settings");
            // Sessions last `24 * session_days` hours (papers-app's
            // `open_session`): a positive duration that jiff can hold.
            let session_hours = cfg.community.session_days.checked_mul(24);
            assert!(
                session_hours
                    .and_then(|h| jiff::SignedDuration::try_from_hours(h))
                    .is_some_and(|d| d.is_positive()),
                "community.session_days = {} was accepted",
                cfg.community.session_days
            );
            // The trending page looks back `window_days` days (a jiff span).
            assert!(
                jiff::Span::new()
                    .try_days(i64::from(cfg.trending.window_days))
                    .is_ok(),
                "trending.window_days = {} was accepted",
                cfg.trending.window_days
            );
            // The scheduler: each job's next due time, and a lease's end.
            let now = jiff::Timestamp::now();
            let s = &cfg.schedule;
            for every in [&s.harvest_hf, &s.harvest_arxiv, &s.housekeeping]
                .into_iter()
                .flatten()
                .filter(|every| *every != "off")
            {
                let every = papers_app::Every::parse(every).expect("a validated schedule");
                every.next_after(now);
            }
            let lease = i64::try_from(s.lease_seconds).unwrap_or(30);
            assert!(
                now.checked_add(jiff::SignedDuration::from_secs(lease))
                    .is_ok(),
                "schedule.lease_seconds = {} was accepted",
                s.lease_seconds
            );
        }
    }
});
