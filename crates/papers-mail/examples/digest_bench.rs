//! Composes a daily digest for many subscribers and sends them through SMTP
//! with a pool of concurrent tasks, printing mails per second.
//!
//! ```text
//! cargo run --release -p papers-mail --example digest_bench -- \
//!     smtp://127.0.0.1:2525 [--subscribers 10000] [--items 10] [--concurrency 32]
//! ```
//!
//! Start a sink first, e.g. `scripts/smtp-sink.sh .venv 2525 /tmp/maildir`.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use jiff::Timestamp;
use papers_core::ArxivId;
use papers_mail::{Digest, DigestItem, MailSettings, Mailer, SmtpConfig, compose_digest};

struct Args {
    url: String,
    subscribers: usize,
    items: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        url: String::new(),
        subscribers: 10_000,
        items: 10,
        concurrency: 32,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--subscribers" => parsed.subscribers = value()?.parse()?,
            "--items" => parsed.items = value()?.parse()?,
            "--concurrency" => parsed.concurrency = value()?.parse::<usize>()?.max(1),
            url if !url.starts_with("--") && parsed.url.is_empty() => parsed.url = url.into(),
            other => return Err(format!("unexpected argument {other:?}").into()),
        }
    }
    if parsed.url.is_empty() {
        return Err(
            "usage: digest_bench SMTP_URL [--subscribers N] [--items K] [--concurrency C]".into(),
        );
    }
    Ok(parsed)
}

fn items(k: usize) -> Result<Vec<DigestItem>, Box<dyn Error>> {
    (0..k)
        .map(|i| {
            Ok(DigestItem {
                id: ArxivId::parse(&format!("2608.{:05}", 10_000 + i))?,
                title: format!("Paper {i}: Scaling <Laws> & Attention for Long-Context Reasoning"),
                abstract_text: "We study large language models trained with reinforcement \
                    learning from verifiable rewards and show that $\\alpha < \\beta$ holds \
                    across a wide range of settings. "
                    .repeat(4),
                authors_count: 3 + i,
                upvotes: 100 - i as i64,
                github_repo: (i % 2 == 0).then(|| format!("https://github.com/lab/paper-{i}")),
                github_stars: (i % 2 == 0).then_some(1_234),
            })
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let mut config = SmtpConfig::from_url(&args.url)?;
    config.pool_size = args.concurrency as u32;
    let mailer = Mailer::smtp(&config)?;
    let settings = MailSettings::new(
        "Daily Papers <papers@example.com>",
        "https://papers.example.com",
    )?;
    let now = Timestamp::now();
    let papers = items(args.items)?;

    let started = Instant::now();
    let mut mails = Vec::with_capacity(args.subscribers);
    for n in 0..args.subscribers {
        let digest = Digest {
            subscriber_email: format!("subscriber{n}@example.org"),
            period_label: "Aug 21, 2026".into(),
            subscription_label: "Trending papers".into(),
            items: papers.clone(),
            manage_url: format!("https://papers.example.com/subscriptions?token=t{n}"),
            unsubscribe_url: format!("https://papers.example.com/unsubscribe?token=t{n}"),
        };
        mails.push(compose_digest(&digest, &settings, now)?);
    }
    let composed = started.elapsed();

    let mails = Arc::new(mails);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (mailer, mails, next) = (mailer.clone(), Arc::clone(&mails), Arc::clone(&next));
        tasks.spawn(async move {
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(mail) = mails.get(i) else { break };
                if let Err(e) = mailer.send(mail).await {
                    failures += 1;
                    if failures <= 3 {
                        eprintln!("{}: {e}", mail.to);
                    }
                }
            }
            failures
        });
    }
    let mut failures = 0;
    while let Some(result) = tasks.join_next().await {
        failures += result?;
    }
    mailer.shutdown().await;
    let total = started.elapsed();
    let sent = mails.len() - failures;
    println!(
        "composed {} digests of {} items in {:.2} s; sent {sent} ({failures} failed) with {} tasks; \
         total {:.2} s = {:.0} mails/s",
        mails.len(),
        args.items,
        composed.as_secs_f64(),
        args.concurrency,
        total.as_secs_f64(),
        sent as f64 / total.as_secs_f64(),
    );
    Ok(())
}
