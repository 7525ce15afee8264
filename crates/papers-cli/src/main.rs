//! `papers`, the one binary of Daily Papers: it serves the site, imports and
//! harvests papers, and reports on the store. It wires the library crates
//! together; the work itself lives in them.

mod config;
mod digest;
mod harvest;
mod ingest;
mod jobs;
mod recs;
mod search;
mod serve;
mod store_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use jiff::civil::Date;

use papers_core::{Clock, SystemClock};

use crate::config::{Config, Overrides};

/// What every command gets from `main`: the validated configuration, the
/// clock (the only source of "now"), the model directory and whether to draw
/// progress bars.
pub(crate) struct Ctx {
    pub cfg: Config,
    pub clock: Arc<dyn Clock>,
    pub model_dir: PathBuf,
    /// `--model-dir` or `PAPERS_MODEL_DIR` was given (the server then never
    /// fetches the model itself).
    pub model_dir_given: bool,
    pub progress: bool,
}

/// Daily Papers: the community's daily feed of research papers, self-hosted.
#[derive(Debug, Parser)]
#[command(name = "papers", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Directory for the database and other state.
    #[arg(long, global = true, env = "PAPERS_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The store: sqlite://PATH (default DATA_DIR/papers.db) or
    /// postgres://USER@HOST[:PORT]/DATABASE (also PAPERS_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// TOML configuration file (environment variables and flags override it).
    #[arg(long, global = true, env = "PAPERS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log filter, e.g. `info` or `papers_web=debug` (also RUST_LOG).
    #[arg(long, global = true, value_name = "FILTER")]
    log: Option<String>,
    /// Hide progress bars (they are hidden anyway when stderr is not a terminal).
    #[arg(long, global = true)]
    quiet: bool,
    /// The embedding model's directory (config.json, model.safetensors,
    /// tokenizer.json) [default: DATA_DIR/models/all-MiniLM-L6-v2].
    #[arg(long, global = true, env = "PAPERS_MODEL_DIR", value_name = "DIR")]
    model_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the site and the JSON API.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "PAPERS_BIND", value_name = "HOST:PORT")]
        bind: Option<String>,
        /// Load the bundled demo dataset (20 days of Hugging Face daily papers) if the store is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Import papers from files, directories, .gz files or .tar.gz archives.
    ///
    /// FORMAT is one of: hf-daily (Hugging Face /api/daily_papers day files),
    /// arxiv-atom (arXiv API responses), arxiv-oai (OAI-PMH, metadataPrefix=arXiv),
    /// arxiv-snapshot (arXiv bulk metadata JSON lines), papers-jsonl (our own export format).
    /// Re-running an import is safe: it changes nothing. Rejected records are listed on
    /// stderr and saved with their place in DATA_DIR/rejects/; the exit code is 2 if any were rejected.
    Ingest {
        #[arg(value_name = "FORMAT", value_parser = ["hf-daily", "arxiv-atom", "arxiv-oai", "arxiv-snapshot", "papers-jsonl"])]
        format: String,
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// Records per transaction.
        #[arg(long, default_value_t = 2000)]
        batch_size: usize,
        /// Embed the new papers right away when the model is present and at
        /// most this many lack vectors (0: never; a bigger backlog is left
        /// to `papers embed` or the server).
        #[arg(long, default_value_t = 2000)]
        embed_max: u64,
    },
    /// Fetch papers from a live source over HTTP, politely (rate limit, retries, back-off).
    Harvest {
        #[command(subcommand)]
        source: harvest::HarvestSource,
        /// Embed the new papers right away when the model is present and at
        /// most this many lack vectors (0: never).
        #[arg(long, default_value_t = 2000, global = true)]
        embed_max: u64,
    },
    /// Embed the papers that have no vector yet (resumable; needs the model).
    Embed {
        /// Papers per batch.
        #[arg(long, default_value_t = 64)]
        batch: u64,
        /// Cut each abstract to this many tokens (8–512; default
        /// `[search] max_tokens`, 256, what the model was trained at).
        /// Fewer is faster; long abstracts then get other vectors.
        #[arg(long)]
        max_tokens: Option<usize>,
    },
    /// Rebuild the search indexes from the store.
    Reindex {
        /// Only compare the index with the store and repair differences.
        #[arg(long)]
        verify: bool,
    },
    /// Search papers by meaning and by words.
    Search {
        query: String,
        #[arg(long, default_value = "hybrid", value_parser = ["keyword", "semantic", "hybrid"])]
        mode: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Show each result's keyword and semantic ranks and scores.
        #[arg(long)]
        explain: bool,
        /// Print the results as one JSON document (ids, titles, scores and
        /// how each ranked) instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Measure search quality (nDCG@10, recall@100, MRR@10) on a judged collection.
    Eval {
        #[command(subcommand)]
        source: search::EvalSource,
    },
    /// Email digests of the papers subscribers asked for.
    Digest {
        #[command(subcommand)]
        action: digest::DigestAction,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Write a consistent copy of the store to a new file, while the server
    /// keeps running (SQLite's `VACUUM INTO`).
    Backup {
        /// The backup file to create (it must not exist).
        #[arg(value_name = "DEST")]
        dest: PathBuf,
    },
    /// Put a backup back in place of the store. The server must be stopped;
    /// the database it replaces is kept beside it (`papers.db.before-restore-…`).
    Restore {
        /// A file written by `papers backup`.
        #[arg(value_name = "SRC")]
        src: PathBuf,
    },
    /// Move the store to another database: `store copy --to URL`.
    Store {
        #[command(subcommand)]
        action: store_cmd::StoreAction,
    },
    /// List the server's scheduled jobs: schedule, last run and outcome,
    /// next run, and the node running one now (`jobs run NAME`: make it due now).
    Jobs {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<jobs::JobsAction>,
    },
    /// Print counts of what the store holds.
    Stats {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input.
    Create {
        username: String,
        #[arg(long)]
        email: String,
        /// Make the account an admin (can hide papers and comments, ban users).
        #[arg(long)]
        admin: bool,
    },
}

/// The community use cases, wired to the configured arXiv API.
pub(crate) fn community(
    cfg: &Config,
    store: papers_store::Store,
    clock: std::sync::Arc<dyn papers_core::Clock>,
) -> Result<papers_app::Community> {
    let h = &cfg.harvest;
    let fetcher =
        papers_ingest::harvest::HttpFetcher::new(papers_ingest::harvest::HarvestConfig {
            user_agent: h.user_agent.clone(),
            timeout: std::time::Duration::from_secs(h.timeout_secs),
            max_retries: h.max_retries.min(3),
            base_delay: std::time::Duration::from_millis(h.base_delay_ms.min(1000)),
            max_delay: std::time::Duration::from_millis(h.max_delay_ms.min(10_000)),
            min_interval: std::time::Duration::ZERO,
        })?;
    let arxiv = papers_ingest::harvest::ArxivApiClient::new(h.arxiv_api_base.clone(), fetcher);
    let settings = papers_app::CommunitySettings {
        daily_submission_quota: cfg.community.daily_submission_quota,
        min_password_len: cfg.community.min_password_len,
        session_days: cfg.community.session_days,
        trending: cfg.trending,
        sign_in_attempts: cfg.server.rate_limits.then_some(10),
        ..papers_app::CommunitySettings::default()
    };
    Ok(papers_app::Community::new(store, clock, arxiv, settings))
}

fn init_tracing(filter: Option<&str>, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = filter
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go out as clap writes them.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let default_log = match cli.command {
        Command::Serve { .. } => "info",
        _ => "warn",
    };
    init_tracing(cli.log.as_deref(), default_log);
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Searches run on the blocking pool and are CPU-bound: more threads than
    // twice the cores only time-slice them (longer tails) and give each
    // thread its own malloc arena (more memory).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads((2 * cores).max(4))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", one_line(&format!("error: {e:#}")));
            ExitCode::FAILURE
        }
    };
    // Do not wait for background work (an embedding batch in flight): what
    // it would have stored is redone by the next backfill.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

/// An error as one line, for scripts that read the last line of stderr:
/// clap's usage lines and blank lines go, the rest is joined.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let cfg = Config::load(
        cli.config.as_deref(),
        &config::process_env,
        Overrides {
            data_dir: cli.data_dir.clone(),
            bind,
            database_url: cli.database_url.clone(),
        },
    )?;
    let ctx = Ctx {
        model_dir: search::model_dir(&cfg, cli.model_dir.as_deref()),
        model_dir_given: cli.model_dir.is_some(),
        clock: Arc::new(SystemClock),
        progress: !cli.quiet,
        cfg,
    };
    let (cfg, progress, dir) = (&ctx.cfg, ctx.progress, ctx.model_dir.as_path());
    match cli.command {
        Command::Serve { demo, .. } => serve::run(&ctx, demo).await,
        Command::Ingest {
            format,
            paths,
            batch_size,
            embed_max,
        } => ingest::run(&ctx, &format, paths, batch_size.max(1), embed_max).await,
        Command::Harvest { source, embed_max } => harvest::run(&ctx, source, embed_max).await,
        Command::Digest { action } => digest::run(&ctx, action).await,
        Command::Jobs { json, action } => jobs::run(&ctx, json, action).await,
        Command::Embed { batch, max_tokens } => {
            search::embed(cfg, dir, ctx.clock.clone(), batch, max_tokens, progress).await
        }
        Command::Reindex { verify } => search::reindex(cfg, verify, progress).await,
        Command::Search {
            query,
            mode,
            limit,
            explain,
            json,
        } => {
            let out = search::SearchOutput { explain, json };
            search::search(cfg, dir, &query, &mode, limit.clamp(1, 120), out).await
        }
        Command::Eval {
            source: search::EvalSource::Recs(args),
        } => recs::run(cfg, dir, args, progress).await,
        Command::Eval { source } => search::eval(cfg, dir, source).await,
        Command::User {
            action:
                UserAction::Create {
                    username,
                    email,
                    admin,
                },
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let store = papers_store::Store::open(&cfg.database_url()).await?;
            let community = community(cfg, store.clone(), ctx.clock.clone())?;
            let role = if admin {
                papers_core::Role::Admin
            } else {
                papers_core::Role::User
            };
            let user = community.sign_up(&username, &email, password, role).await?;
            store.close().await;
            println!(
                "created {} {} (id {})",
                role.as_str(),
                user.username,
                user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { dest } => {
            let store = papers_store::Store::open(&cfg.database_url()).await?;
            let started = std::time::Instant::now();
            store.backup(&dest).await?;
            store.close().await;
            let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "backed up the store to {} ({:.1} MB) in {:.1}s",
                dest.display(),
                size as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { src } => {
            let db = cfg.sqlite_path().ok_or_else(|| {
                anyhow::anyhow!(
                    "restore works on the SQLite store; this one is {}",
                    cfg.database_url()
                )
            })?;
            let stamp = ctx.clock.now().strftime("%Y%m%dT%H%M%SZ").to_string();
            let report = papers_store::restore(&src, &db, &stamp).await?;
            if let Some(previous) = report.previous {
                eprintln!("the replaced database was kept as {}", previous.display());
            }
            eprintln!("restored {} from {}", db.display(), src.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Store { action } => store_cmd::run(&ctx, action).await,
        Command::Stats { json } => {
            let store = papers_store::Store::open(&cfg.database_url()).await?;
            let s = store.stats().await?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("papers        {}", s.papers);
                println!("listing days  {}", s.listing_days);
                println!("listings      {}", s.listings);
                println!("users         {}", s.users);
                println!("votes         {}", s.votes);
                println!("comments      {}", s.comments);
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Parses `YYYY-MM-DD` for clap.
pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    papers_core::DateWindow::parse_day(s)
        .map(|w| w.bounds().0)
        .map_err(|e| e.to_string())
}
